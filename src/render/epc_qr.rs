//! The EPC QR code ("GiroCode", EPC069-12): a SEPA credit transfer that a banking app fills in
//! from a scan. Version 002, UTF-8, error correction level M, handed to Typst as grey pixels
//! (and as a PNG to templates that ask for one).

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, bits, ec};
use rust_decimal::Decimal;

use super::qr_penalty;

/// Light modules around the code, as ISO/IEC 18004 asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module side in the bitmap. Measured on the demo invoices, rasterized by poppler
/// and decoded by zbar: with three, pages decode from 90 dpi up; with two, not at 100 and 120
/// dpi; with four, only from 96 dpi up (scaling four-pixel modules down blurs them more).
const PIXELS_PER_MODULE: usize = 3;
/// Longest beneficiary name the standard allows.
const MAX_NAME_CHARS: usize = 70;
/// Longest unstructured remittance text the standard allows.
const MAX_REMITTANCE_CHARS: usize = 140;
/// Longest payload the standard allows, in bytes (what a version 13 code holds at level M).
const MAX_PAYLOAD_BYTES: usize = 331;
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
        "",
    ];
    let mut text = lines.join("\n");
    // The remittance text goes last, shortened (at a character boundary) where it would take
    // the payload past the standard's 331 bytes.
    let room = MAX_PAYLOAD_BYTES.checked_sub(text.len())?;
    let remittance = clip(transfer.remittance.trim(), MAX_REMITTANCE_CHARS);
    let mut end = remittance.len().min(room);
    while !remittance.is_char_boundary(end) {
        end -= 1;
    }
    text.push_str(&remittance[..end]);
    Some(text)
}

/// A QR code as 8-bit grey pixels (0 dark, 255 light), row by row, the standard four-module
/// quiet zone included, [`PIXELS_PER_MODULE`] pixels per module side. A bitmap costs Typst a
/// fraction of what an SVG of the same code does (no path parsing, no drawing operators), and
/// several pixels per module keep it sharp in viewers that smooth images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width and height in pixels.
    pub side: u32,
    /// `side` × `side` grey values.
    pub luma: Vec<u8>,
}

/// The QR code of `payload` as a bitmap.
pub fn bitmap(payload: &str) -> Option<Bitmap> {
    let (width, colors) = modules(payload)?;
    let side = (width + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
    let mut luma = vec![u8::MAX; side * side];
    let mut row = vec![u8::MAX; side];
    for (y, modules) in colors.chunks(width).enumerate() {
        row.fill(u8::MAX);
        for (x, color) in modules.iter().enumerate() {
            if *color == Color::Dark {
                let first = (x + QUIET_ZONE) * PIXELS_PER_MODULE;
                row[first..first + PIXELS_PER_MODULE].fill(0);
            }
        }
        let top = (y + QUIET_ZONE) * PIXELS_PER_MODULE;
        for pixel_row in luma[top * side..(top + PIXELS_PER_MODULE) * side].chunks_exact_mut(side) {
            pixel_row.copy_from_slice(&row);
        }
    }
    Some(Bitmap {
        side: u32::try_from(side).ok()?,
        luma,
    })
}

/// `side` × `side` grey pixels (a [`Bitmap`]'s) as a black-and-white PNG, one bit per pixel.
pub fn png(side: u32, luma: &[u8]) -> Option<Vec<u8>> {
    let width = usize::try_from(side).ok()?;
    if width == 0 || luma.len() != width * width {
        return None;
    }
    let row_bytes = width.div_ceil(8);
    // 1 bit per pixel, 1 = white.
    let mut pixels = vec![0_u8; row_bytes * width];
    for (row, bits) in luma
        .chunks_exact(width)
        .zip(pixels.chunks_exact_mut(row_bytes))
    {
        for (x, grey) in row.iter().enumerate() {
            if *grey >= 128 {
                bits[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
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
    fn long_names_are_clipped_and_the_code_fits_the_bitmap() {
        let long = "N".repeat(100);
        let text = payload(&Transfer {
            name: &long,
            ..transfer(dec!(1))
        })
        .unwrap();
        assert!(text.contains(&"N".repeat(70)) && !text.contains(&"N".repeat(71)));
        let (width, colors) = modules(&text).unwrap();
        assert_eq!(colors.len(), width * width);
        // 70 + 140 characters and the fixed fields fit version 10 at level M (57 modules).
        assert!((21..=57).contains(&width), "width {width}");
        let image = bitmap(&text).unwrap();
        let side = (width + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
        assert_eq!(image.side as usize, side);
        assert_eq!(image.luma.len(), side * side);
    }

    #[test]
    fn the_payload_stays_within_331_bytes_cutting_the_remittance_at_a_character() {
        let name = "Ä".repeat(70);
        let remittance = "€".repeat(140);
        let text = payload(&Transfer {
            name: &name,
            remittance: &remittance,
            ..transfer(dec!(1))
        })
        .unwrap();
        assert!(text.len() <= 331, "{} bytes", text.len());
        assert!(text.len() > 331 - "€".len(), "{} bytes", text.len());
        assert!(text.ends_with('€') && text.contains(&name));
        let (width, _) = modules(&text).unwrap();
        assert!(width <= 69, "width {width}");
        // A longer name is clipped to its 70 characters first; the payload still fits.
        let name = "Ä".repeat(200);
        let text = payload(&Transfer {
            name: &name,
            remittance: &remittance,
            ..transfer(dec!(1))
        })
        .unwrap();
        assert!(text.len() <= 331 && text.contains(&"Ä".repeat(70)));
    }

    #[test]
    fn the_bitmap_draws_the_modules_and_the_png_holds_the_same_pixels() {
        let text = payload(&transfer(dec!(1190))).unwrap();
        let (width, colors) = modules(&text).unwrap();
        let image = bitmap(&text).unwrap();
        let side = image.side as usize;
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / PIXELS_PER_MODULE, y / PIXELS_PER_MODULE);
                let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&mx)
                    && (QUIET_ZONE..QUIET_ZONE + width).contains(&my);
                let dark =
                    inside && colors[(my - QUIET_ZONE) * width + mx - QUIET_ZONE] == Color::Dark;
                assert_eq!(
                    image.luma[y * side + x],
                    if dark { 0 } else { 255 },
                    "({x}, {y})"
                );
            }
        }
        let encoded = png(image.side, &image.luma).unwrap();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(encoded));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut decoded = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut decoded).unwrap();
        assert_eq!((frame.width, frame.height), (image.side, image.side));
        assert_eq!(&decoded[..frame.buffer_size()], &image.luma[..]);
    }
}
