//! How numbers, money, rates and dates read on paper in each document language: German
//! `1.234,56 €` and `21.11.2026`, English `€1,234.56` and `21 Nov 2026`. Amounts are exact
//! decimals formatted digit by digit; nothing here goes through floats.
//! Written here: the number-formatting crates work on integers or floats, not on exact
//! decimals, and ICU's would bring locale data for two languages' separators.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::party::Language;

/// Separators of one language.
struct Separators {
    decimal: char,
    group: char,
}

fn separators(language: Language) -> Separators {
    match language {
        Language::De => Separators {
            decimal: ',',
            group: '.',
        },
        Language::En => Separators {
            decimal: '.',
            group: ',',
        },
    }
}

/// `value` with at least `min_decimals` decimals (more if it has them), grouped in thousands.
pub fn number(value: Decimal, min_decimals: u32, language: Language) -> String {
    let mut value = value.normalize();
    if value.scale() < min_decimals {
        value.rescale(min_decimals);
    }
    let text = value.abs().to_string();
    let (integer, fraction) = match text.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (text.as_str(), None),
    };
    let seps = separators(language);
    let mut out = String::with_capacity(text.len() + 4);
    if value.is_sign_negative() && !value.is_zero() {
        out.push('−');
    }
    let digits = integer.len();
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (digits - index) % 3 == 0 {
            out.push(seps.group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(seps.decimal);
        out.push_str(fraction);
    }
    out
}

/// An amount with its currency: `1.234,56 €` (de) or `€1,234.56` (en); other currencies by code.
pub fn money(value: Decimal, currency: &str, exponent: u32, language: Language) -> String {
    let amount = number(value, exponent, language);
    match (language, currency) {
        (Language::De, "EUR") => format!("{amount} €"),
        (Language::De, code) => format!("{amount} {code}"),
        (Language::En, "EUR") => format!("€{amount}"),
        (Language::En, "GBP") => format!("£{amount}"),
        (Language::En, code) => format!("{code} {amount}"),
    }
}

/// A VAT rate in percent: `19 %` (de) or `19%` (en).
pub fn percent(rate: Decimal, language: Language) -> String {
    let rate = number(rate, 0, language);
    match language {
        Language::De => format!("{rate} %"),
        Language::En => format!("{rate}%"),
    }
}

/// A date as the language writes it.
pub fn date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::De => date.format("%d.%m.%Y").to_string(),
        Language::En => date.format("%-d %b %Y").to_string(),
    }
}

/// An address as printed: its lines, then `postcode city`, then the country code.
pub fn address(
    lines: &[String],
    postcode: Option<&str>,
    city: Option<&str>,
    country: Option<&str>,
) -> Vec<String> {
    let mut out = lines.to_vec();
    let place = [postcode, city]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !place.is_empty() {
        out.push(place);
    }
    out.extend(country.map(str::to_string));
    out
}

/// An IBAN in groups of four, as printed on paper.
pub fn iban(iban: &str) -> String {
    let compact: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A readable name for a UN/ECE Recommendation 20 unit code; unknown codes print as they are.
pub fn unit(code: &str, language: Language) -> String {
    let (de, en) = match code {
        "HUR" => ("Std.", "hrs"),
        "MIN" => ("Min.", "min"),
        "DAY" => ("Tage", "days"),
        "WEE" => ("Wochen", "weeks"),
        "MON" => ("Monate", "months"),
        "ANN" => ("Jahre", "years"),
        "C62" | "H87" | "EA" | "XPP" => ("Stk.", "pcs"),
        "LS" => ("pausch.", "lump sum"),
        "KGM" => ("kg", "kg"),
        "GRM" => ("g", "g"),
        "MTR" => ("m", "m"),
        "KMT" => ("km", "km"),
        "MTK" => ("m²", "m²"),
        "LTR" => ("l", "l"),
        "KWH" => ("kWh", "kWh"),
        other => return other.to_string(),
    };
    match language {
        Language::De => de.to_string(),
        Language::En => en.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_group_thousands_in_each_language() {
        assert_eq!(number(dec!(1234567.5), 2, Language::De), "1.234.567,50");
        assert_eq!(number(dec!(1234567.5), 2, Language::En), "1,234,567.50");
        assert_eq!(number(dec!(999), 2, Language::En), "999.00");
        assert_eq!(number(dec!(0.125), 2, Language::De), "0,125");
        assert_eq!(number(dec!(-1000), 0, Language::De), "−1.000");
        assert_eq!(number(dec!(2.5000), 0, Language::En), "2.5");
    }

    #[test]
    fn money_rates_dates_and_units() {
        assert_eq!(money(dec!(1190), "EUR", 2, Language::De), "1.190,00 €");
        assert_eq!(money(dec!(1190), "EUR", 2, Language::En), "€1,190.00");
        assert_eq!(money(dec!(5000), "JPY", 0, Language::En), "JPY 5,000");
        assert_eq!(percent(dec!(19.00), Language::De), "19 %");
        assert_eq!(percent(dec!(7.5), Language::En), "7.5%");
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(date(day, Language::De), "05.03.2026");
        assert_eq!(date(day, Language::En), "5 Mar 2026");
        assert_eq!(
            iban("DE89370400440532013000"),
            "DE89 3704 0044 0532 0130 00"
        );
        assert_eq!(unit("HUR", Language::De), "Std.");
        assert_eq!(unit("XYZ", Language::En), "XYZ");
    }
}
