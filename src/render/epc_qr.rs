//! The EPC QR code ("GiroCode", EPC069-12): a SEPA credit transfer that a banking app fills in
//! from a scan. Version 002, UTF-8, error correction level M, handed to Typst as a PNG.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, bits, ec};
use rust_decimal::Decimal;

use super::qr_penalty;

/// Light modules around the code, as ISO/IEC 18004 asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module side in the PNG.
const PIXELS_PER_MODULE: usize = 4;
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

/// The QR code of `payload` as a black-and-white PNG with the standard four-module quiet zone,
/// [`PIXELS_PER_MODULE`] pixels per module. A bitmap costs Typst a fraction of what an SVG of
/// the same code does (no path parsing, no drawing operators), and several pixels per module
/// keep it sharp in viewers that smooth images.
pub fn png(payload: &str) -> Option<Vec<u8>> {
    let (width, colors) = modules(payload)?;
    let side = (width + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
    let row_bytes = side.div_ceil(8);
    // 1 bit per pixel, 1 = white: start all white, clear the pixels of dark modules.
    let mut row = vec![0xFF_u8; row_bytes];
    let mut pixels = Vec::with_capacity(row_bytes * side);
    pixels.resize(row_bytes * QUIET_ZONE * PIXELS_PER_MODULE, 0xFF);
    for modules in colors.chunks(width) {
        row.fill(0xFF);
        for (x, color) in modules.iter().enumerate() {
            if *color == Color::Dark {
                let first = (x + QUIET_ZONE) * PIXELS_PER_MODULE;
                for px in first..first + PIXELS_PER_MODULE {
                    row[px / 8] &= !(0x80 >> (px % 8));
                }
            }
        }
        for _ in 0..PIXELS_PER_MODULE {
            pixels.extend_from_slice(&row);
        }
    }
    pixels.resize(row_bytes * side, 0xFF);
    let side = u32::try_from(side).ok()?;
    let mut out = Vec::with_capacity(1024);
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

/// The modules of the QR code of `payload` (byte mode, level M, the smallest version that
/// holds it), row by row, width × width, with the mask of the lowest penalty.
fn modules(payload: &str) -> Option<(usize, Vec<Color>)> {
    let bits = bits::encode_auto(payload.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec_data) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec_data);
    let width = usize::try_from(version.width()).ok()?;
    MASKS
        .iter()
        .map(|mask| {
            let mut masked = canvas.clone();
            masked.apply_mask(*mask);
            let colors = masked.into_colors();
            let dark: Vec<bool> = colors.iter().map(|c| *c == Color::Dark).collect();
            (qr_penalty::penalty(&dark, width), colors)
        })
        .min_by_key(|(score, _)| *score)
        .map(|(_, colors)| (width, colors))
}

/// The eight mask patterns of a (non-micro) QR code.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

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
        let image = png(&text).unwrap();
        assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (width, colors) = modules(&text).unwrap();
        assert_eq!(colors.len(), width * width);
        // 70 + 140 characters and the fixed fields fit version 10 at level M (57 modules).
        assert!((21..=57).contains(&width), "width {width}");
    }
}
