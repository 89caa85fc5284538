//! The EPC QR code ("GiroCode", EPC069-12): a SEPA credit transfer that a banking app fills in
//! from a scan. Version 002, UTF-8, error correction level M, drawn as SVG for Typst.

use qrcode::{Color, EcLevel, QrCode};
use rust_decimal::Decimal;

/// Light modules around the code, as ISO/IEC 18004 asks.
const QUIET_ZONE: usize = 4;
/// Longest beneficiary name the standard allows.
const MAX_NAME_CHARS: usize = 70;
/// Longest unstructured remittance text the standard allows.
const MAX_REMITTANCE_CHARS: usize = 140;
/// Largest amount the standard allows, in cents.
const MAX_AMOUNT_CENTS: i64 = 99_999_999_999;

/// What a transfer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// The payee.
    pub name: &'a str,
    /// The payee's IBAN (spaces allowed).
    pub iban: &'a str,
    /// The payee's BIC, optional in version 002.
    pub bic: Option<&'a str>,
    /// The amount in euros, 0.01 to 999,999,999.99.
    pub amount: Decimal,
    /// What the payer's bank passes on: the invoice number or payment reference.
    pub remittance: &'a str,
}

/// The text encoded in the code, or `None` when the transfer cannot be expressed (amount out of
/// range, no IBAN, no name).
pub fn payload(transfer: &Transfer<'_>) -> Option<String> {
    let iban: String = transfer
        .iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let name = clip(transfer.name.trim(), MAX_NAME_CHARS);
    let amount = crate::domain::money::round_half_up(transfer.amount, 2);
    if iban.is_empty()
        || name.is_empty()
        || amount < Decimal::new(1, 2)
        || amount > Decimal::new(MAX_AMOUNT_CENTS, 2)
    {
        return None;
    }
    let mut amount = amount;
    amount.rescale(2);
    let lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        transfer.bic.map(str::trim).unwrap_or(""),
        &name,
        &iban,
        &format!("EUR{amount}"),
        "",
        "",
        &clip(transfer.remittance.trim(), MAX_REMITTANCE_CHARS),
    ];
    Some(lines.join("\n"))
}

/// The QR code of `payload` as an SVG image: one path of horizontal runs of dark modules
/// (a few hundred path segments instead of thousands of squares, so Typst parses and embeds it
/// quickly), with the standard four-module quiet zone.
pub fn svg(payload: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(width * width);
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

fn clip(text: &str, max_chars: usize) -> String {
    text.replace(['\n', '\r'], " ")
        .chars()
        .take(max_chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn transfer(amount: Decimal) -> Transfer<'static> {
        Transfer {
            name: "Muster GmbH",
            iban: "DE89 3704 0044 0532 0130 00",
            bic: Some("COBADEFFXXX"),
            amount,
            remittance: "2026-0001",
        }
    }

    #[test]
    fn payload_follows_epc069_12_version_002() {
        let text = payload(&transfer(dec!(1190))).unwrap();
        assert_eq!(
            text,
            "BCD\n002\n1\nSCT\nCOBADEFFXXX\nMuster GmbH\nDE89370400440532013000\nEUR1190.00\n\n\n2026-0001"
        );
    }

    #[test]
    fn amounts_outside_the_standard_give_no_code() {
        assert!(payload(&transfer(dec!(0))).is_none());
        assert!(payload(&transfer(dec!(0.004))).is_none());
        assert!(payload(&transfer(dec!(1000000000))).is_none());
        assert!(payload(&transfer(dec!(999999999.99))).is_some());
    }

    #[test]
    fn long_names_are_clipped_and_the_svg_is_a_qr_code() {
        let long = "N".repeat(100);
        let text = payload(&Transfer {
            name: &long,
            ..transfer(dec!(1))
        })
        .unwrap();
        assert!(text.contains(&"N".repeat(70)) && !text.contains(&"N".repeat(71)));
        let image = svg(&text).unwrap();
        assert!(image.starts_with("<svg") && image.contains("<path"));
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::M);
    }
}
