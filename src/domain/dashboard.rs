//! The owner's dashboard figures: what is open and overdue, and revenue this month, this year
//! and in each of the last twelve months, per currency. Computed here from the documents'
//! amounts with exact decimals (the store keeps amounts as text; SQL would sum floats).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::document::DocumentKind;
use super::lifecycle::Status;
use super::listing::{DocumentSummary, Page};
use super::money::Currency;

/// Months in the revenue chart, this one included.
pub const CHART_MONTHS: u32 = 12;

/// A finalized document as the figures need it: its summary and its net total.
#[derive(Debug, Clone)]
pub struct Counted {
    /// The list row (status, dates, amount due, overdue).
    pub summary: DocumentSummary,
    /// Net total (BT-109): revenue counts without VAT.
    pub total_net: Decimal,
}

/// Revenue in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRevenue {
    /// The first day of the month.
    pub month: NaiveDate,
    /// Net invoiced less net credited, by issue date.
    pub net: Decimal,
}

/// The figures of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyFigures {
    /// ISO 4217 code.
    pub currency: Currency,
    /// Still owed on open invoices.
    pub open: Decimal,
    /// How many invoices are open.
    pub open_count: usize,
    /// The part of `open` past its due date.
    pub overdue: Decimal,
    /// How many open invoices are past due.
    pub overdue_count: usize,
    /// Net revenue this month.
    pub revenue_month: Decimal,
    /// Net revenue this calendar year.
    pub revenue_year: Decimal,
    /// Net revenue in each of the last [`CHART_MONTHS`] months, oldest first.
    pub months: Vec<MonthRevenue>,
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// Today in the seller's time zone.
    pub today: NaiveDate,
    /// Figures per currency, the one with most open documents and revenue first.
    pub currencies: Vec<CurrencyFigures>,
    /// The newest drafts (waiting to be finalized).
    pub drafts: Page,
    /// Open invoices past their due date, newest first.
    pub overdue: Page,
}

/// The first day of the month `back` months before `date`'s.
fn month_start(date: NaiveDate, back: u32) -> NaiveDate {
    let months = date.year() * 12 + date.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(NaiveDate::MIN)
}

/// The earliest issue date the figures look at: the start of the chart or of the year.
pub fn since(today: NaiveDate) -> NaiveDate {
    let chart = month_start(today, CHART_MONTHS - 1);
    let year = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(chart);
    chart.min(year)
}

/// The figures of `documents` (finalized, not void), per currency.
pub fn figures(documents: &[Counted], today: NaiveDate) -> Vec<CurrencyFigures> {
    let this_month = month_start(today, 0);
    let this_year = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(this_month);
    let mut all: Vec<(CurrencyFigures, usize)> = Vec::new();
    for counted in documents {
        let document = &counted.summary;
        if matches!(document.status, Status::Draft | Status::Void) {
            continue;
        }
        let at = match all
            .iter()
            .position(|(f, _)| f.currency == document.currency)
        {
            Some(at) => at,
            None => {
                all.push((empty(document.currency, today), 0));
                all.len() - 1
            }
        };
        let (figures, weight) = &mut all[at];
        *weight += 1;
        if document.kind == DocumentKind::Invoice && document.status == Status::Open {
            figures.open += document.amount_due;
            figures.open_count += 1;
            if document.overdue {
                figures.overdue += document.amount_due;
                figures.overdue_count += 1;
            }
        }
        let Some(issued) = document.issue_date.filter(|issued| *issued <= today) else {
            continue;
        };
        let net = match document.kind {
            DocumentKind::Invoice => counted.total_net,
            DocumentKind::CreditNote => -counted.total_net,
        };
        if issued >= this_month {
            figures.revenue_month += net;
        }
        if issued >= this_year {
            figures.revenue_year += net;
        }
        if let Some(month) = figures.months.iter_mut().rev().find(|m| m.month <= issued) {
            month.net += net;
        }
    }
    all.sort_by(|(a, wa), (b, wb)| wb.cmp(wa).then(a.currency.code().cmp(b.currency.code())));
    all.into_iter().map(|(figures, _)| figures).collect()
}

fn empty(currency: Currency, today: NaiveDate) -> CurrencyFigures {
    CurrencyFigures {
        currency,
        open: Decimal::ZERO,
        open_count: 0,
        overdue: Decimal::ZERO,
        overdue_count: 0,
        revenue_month: Decimal::ZERO,
        revenue_year: Decimal::ZERO,
        months: (0..CHART_MONTHS)
            .rev()
            .map(|back| MonthRevenue {
                month: month_start(today, back),
                net: Decimal::ZERO,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn counted(
        kind: DocumentKind,
        status: Status,
        issued: &str,
        net: Decimal,
        due: Decimal,
        overdue: bool,
    ) -> Counted {
        Counted {
            summary: DocumentSummary {
                id: 1,
                kind,
                status,
                number: Some("1".into()),
                buyer_name: "Buyer".into(),
                customer_id: None,
                currency: Currency::eur(),
                issue_date: Some(date(issued)),
                due_date: None,
                total_gross: net,
                amount_due: due,
                overdue,
            },
            total_net: net,
        }
    }

    #[test]
    fn the_chart_starts_eleven_months_back_across_the_year() {
        assert_eq!(since(date("2026-11-30")), date("2025-12-01"));
        assert_eq!(since(date("2026-01-15")), date("2025-02-01"));
        assert_eq!(month_start(date("2026-03-31"), 3), date("2025-12-01"));
    }

    #[test]
    fn revenue_is_net_invoiced_less_credited_and_open_counts_only_open_invoices() {
        use DocumentKind::{CreditNote, Invoice};
        let documents = [
            counted(
                Invoice,
                Status::Open,
                "2026-11-02",
                dec!(100),
                dec!(119),
                false,
            ),
            counted(
                Invoice,
                Status::Open,
                "2026-10-01",
                dec!(50),
                dec!(59.50),
                true,
            ),
            counted(
                Invoice,
                Status::Paid,
                "2026-01-10",
                dec!(200),
                dec!(0),
                false,
            ),
            counted(
                Invoice,
                Status::Paid,
                "2025-12-10",
                dec!(30),
                dec!(0),
                false,
            ),
            counted(
                CreditNote,
                Status::Open,
                "2026-11-03",
                dec!(10),
                dec!(11.90),
                false,
            ),
            counted(
                Invoice,
                Status::Void,
                "2026-11-04",
                dec!(999),
                dec!(0),
                false,
            ),
            counted(
                Invoice,
                Status::Open,
                "2026-12-05",
                dec!(7),
                dec!(8.33),
                false,
            ),
        ];
        let figures = figures(&documents, date("2026-11-30"));
        assert_eq!(figures.len(), 1);
        let eur = &figures[0];
        // An invoice dated ahead is owed but not yet revenue.
        assert_eq!((eur.open, eur.open_count), (dec!(186.83), 3));
        assert_eq!((eur.overdue, eur.overdue_count), (dec!(59.50), 1));
        assert_eq!(eur.revenue_month, dec!(90));
        assert_eq!(eur.revenue_year, dec!(340));
        assert_eq!(eur.months.len(), 12);
        assert_eq!(eur.months[0].month, date("2025-12-01"));
        assert_eq!(eur.months[0].net, dec!(30));
        assert_eq!(eur.months[1].net, dec!(200));
        assert_eq!(eur.months[10].net, dec!(50));
        assert_eq!(eur.months[11].net, dec!(90));
    }
}
