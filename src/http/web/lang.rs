//! The web app's two languages: German or English, picked from the browser's
//! `Accept-Language`, and how each writes amounts, dates, statuses and kinds.

use axum::http::HeaderMap;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::document::DocumentKind;
use crate::domain::lifecycle::Status;
use crate::domain::money::Currency;
use crate::domain::party::Language;
use crate::render::format;

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (the default).
    En,
    /// German.
    De,
}

impl Lang {
    /// The language the browser prefers of the two: the first `de` or `en` by quality in
    /// `Accept-Language`; English when it names neither.
    pub fn of(headers: &HeaderMap) -> Lang {
        let Some(accept) = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for (order, item) in accept.split(',').take(20).enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("de") => Lang::De,
                Some("en") => Lang::En,
                _ => continue,
            };
            // Equal qualities keep the earlier entry.
            let score = quality - order as f32 * 1e-4;
            if quality > 0.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// `en` in English, `de` in German.
    pub fn t(self, en: &'static str, de: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::De => de,
        }
    }

    /// The document language of the same name, whose notation the PDFs use.
    fn language(self) -> Language {
        match self {
            Lang::En => Language::En,
            Lang::De => Language::De,
        }
    }

    /// An amount with its currency: `1,234.50 EUR` or `1.234,50 EUR`.
    pub fn money(self, amount: Decimal, currency: Currency) -> String {
        format!(
            "{} {}",
            format::number(
                currency.rescale(amount),
                currency.exponent(),
                self.language()
            ),
            currency.code()
        )
    }

    /// A decimal with grouped thousands, in the language's separators (as on the PDF).
    pub fn number(self, amount: Decimal) -> String {
        format::number(amount, 0, self.language())
    }

    /// An amount for a form field, without grouping: `904.40` or `904,40`.
    pub fn amount_field(self, amount: Decimal, currency: Currency) -> String {
        let text = currency.rescale(amount).to_string();
        match self {
            Lang::En => text,
            Lang::De => text.replace('.', ","),
        }
    }

    /// A date: `30 Nov 2026` or `30.11.2026`.
    pub fn date(self, date: NaiveDate) -> String {
        format::date(date, self.language())
    }

    /// An optional date, or a dash.
    pub fn maybe_date(self, date: Option<NaiveDate>) -> String {
        date.map_or_else(|| "–".into(), |d| self.date(d))
    }

    /// A month's short name for the chart: `Nov` / `Nov.`.
    pub fn month(self, month: NaiveDate) -> String {
        use chrono::Datelike;
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const DE: [&str; 12] = [
            "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
        ];
        let names = match self {
            Lang::En => EN,
            Lang::De => DE,
        };
        names[month.month0() as usize % 12].to_string()
    }

    /// A UN/ECE unit code as printed on the PDF (`HUR` → `hrs` / `Std.`).
    pub fn unit(self, code: &str) -> String {
        format::unit(code, self.language())
    }

    /// `n` invoices: `1 invoice`, `3 invoices`.
    pub fn invoices(self, n: usize) -> String {
        let word = match (self, n) {
            (Lang::En, 1) => "invoice",
            (Lang::En, _) => "invoices",
            (Lang::De, 1) => "Rechnung",
            (Lang::De, _) => "Rechnungen",
        };
        format!("{n} {word}")
    }

    /// A status as the owner reads it.
    pub fn status(self, status: Status) -> &'static str {
        match status {
            Status::Draft => self.t("Draft", "Entwurf"),
            Status::Open => self.t("Open", "Offen"),
            Status::Paid => self.t("Paid", "Bezahlt"),
            Status::Void => self.t("Void", "Storniert"),
            Status::Uncollectible => self.t("Uncollectible", "Uneinbringlich"),
        }
    }

    /// A document kind.
    pub fn kind(self, kind: DocumentKind) -> &'static str {
        match kind {
            DocumentKind::Invoice => self.t("Invoice", "Rechnung"),
            DocumentKind::CreditNote => self.t("Credit note", "Gutschrift"),
        }
    }
}

/// An amount as an owner types it: `1.190,50`, `1,190.50`, `1190,5` and `1190.5` are all
/// 1190.50 on any page. A lone separator followed by exactly three digits is read in the
/// page's language: `1.190` is 1190 on a German page and 1.190 (three decimals, refused for
/// EUR) on an English one, and `1,190` the other way round. More decimals than the currency
/// has are an error, never rounded away. `None` when it is not an amount.
pub fn parse_amount(text: &str, currency: Currency, lang: Lang) -> Option<Decimal> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    let compact = compact.strip_suffix(currency.code()).unwrap_or(&compact);
    let (sign, body) = match compact.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", compact),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
    {
        return None;
    }
    let (dots, commas) = (body.matches('.').count(), body.matches(',').count());
    let point = match (dots, commas) {
        (0, 0) => None,
        (_, 0) | (0, _) => {
            let separator = if dots > 0 { '.' } else { ',' };
            let after = body.len() - body.rfind(separator)? - 1;
            let decimal_point = match lang {
                Lang::En => '.',
                Lang::De => ',',
            };
            (dots + commas == 1 && (after != 3 || separator == decimal_point)).then_some(separator)
        }
        _ => {
            let last = body.chars().rev().find(|c| matches!(c, '.' | ','))?;
            if body.matches(last).count() != 1 {
                return None;
            }
            Some(last)
        }
    };
    let (whole, fraction) = match point {
        Some(point) => body.split_once(point)?,
        None => (body, ""),
    };
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    let grouped = groups.len() > 1;
    let well_grouped = groups.iter().enumerate().all(|(i, group)| match i {
        // Grouped thousands start with 1 to 3 digits, not with 0 (`0,001` is no amount).
        0 => !group.is_empty() && (!grouped || (group.len() <= 3 && !group.starts_with('0'))),
        _ => group.len() == 3,
    });
    if !well_grouped {
        return None;
    }
    let number = if fraction.is_empty() {
        format!("{sign}{}", groups.concat())
    } else {
        format!("{sign}{}.{fraction}", groups.concat())
    };
    let amount: Decimal = number.parse().ok()?;
    (amount.scale() <= currency.exponent()).then_some(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn accept(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Lang::of(&headers)
    }

    #[test]
    fn the_browser_language_picks_german_or_english() {
        assert_eq!(accept("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
        assert_eq!(accept("en-US,en;q=0.9,de;q=0.8"), Lang::En);
        assert_eq!(accept("fr-FR,fr;q=0.9,de;q=0.5"), Lang::De);
        assert_eq!(accept("en;q=0.2, de-AT;q=0.7"), Lang::De);
        assert_eq!(accept("fr"), Lang::En);
        assert_eq!(accept("de;q=0"), Lang::En);
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn typed_amounts_are_read_in_either_notation_and_never_rounded() {
        let eur = Currency::eur();
        for lang in [Lang::En, Lang::De] {
            for (typed, amount) in [
                ("904.40", dec!(904.40)),
                ("904,40", dec!(904.40)),
                ("1.190,50", dec!(1190.50)),
                ("1,190.50", dec!(1190.50)),
                ("1 190,5", dec!(1190.5)),
                ("119", dec!(119)),
                ("1.234.567", dec!(1234567)),
                ("119,00 EUR", dec!(119)),
            ] {
                assert_eq!(parse_amount(typed, eur, lang), Some(amount), "{typed}");
            }
            for typed in ["", "12x", "1.1904", "0,001", "1.2.3,4.5", "€ 5"] {
                assert_eq!(parse_amount(typed, eur, lang), None, "{typed}");
            }
        }
        // A lone separator before three digits: thousands in the one language, three
        // decimals (refused for EUR) in the other.
        assert_eq!(parse_amount("1.190", eur, Lang::De), Some(dec!(1190)));
        assert_eq!(parse_amount("1,190", eur, Lang::En), Some(dec!(1190)));
        assert_eq!(parse_amount("12.345", eur, Lang::En), None);
        assert_eq!(parse_amount("3,555", eur, Lang::De), None);
        assert_eq!(Lang::De.amount_field(dec!(904.4), eur), "904,40");
        assert_eq!(Lang::En.amount_field(dec!(904.4), eur), "904.40");
    }

    #[test]
    fn amounts_and_dates_in_each_language() {
        let eur = Currency::eur();
        assert_eq!(Lang::En.money(dec!(1234567.5), eur), "1,234,567.50 EUR");
        assert_eq!(Lang::De.money(dec!(1234567.5), eur), "1.234.567,50 EUR");
        assert_eq!(Lang::De.money(dec!(-12), eur), "−12,00 EUR");
        assert_eq!(Lang::En.money(dec!(999), eur), "999.00 EUR");
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(Lang::En.date(day), "3 Nov 2026");
        assert_eq!(Lang::De.date(day), "03.11.2026");
    }
}
