//! Document totals by the EN 16931 rules: line nets, the VAT breakdown per (category, rate),
//! and the document sums.
//!
//! Net prices (the default): line net = round(quantity × unit price − discount); the nets of a group
//! are summed exactly and its VAT is round(group net × rate). Gross prices (`prices_include_vat`):
//! line gross = round(quantity × unit price − discount), group net = round(group gross / (1 + rate)),
//! VAT = gross − net, and line nets are spread so that they add up to the group net exactly
//! (BR-CO-10). All rounding is half away from zero.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Currency;
use super::vat::VatCategory;

/// A discount on one line: a percentage of quantity × unit price, or a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// No discount.
    None,
    /// Percent off, 0 to 100.
    Percent(Decimal),
    /// A fixed amount off, in the document currency.
    Amount(Decimal),
}

/// What the totals need to know about one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePricing {
    /// quantity × unit price ÷ base quantity, unrounded; net or gross depending on the
    /// document's price mode.
    pub amount: Decimal,
    /// Discount on the line.
    pub discount: Discount,
    /// Sum of the line's further allowances (BG-27).
    pub allowances: Decimal,
    /// Sum of the line's charges (BG-28).
    pub charges: Decimal,
    /// VAT category of the line.
    pub category: VatCategory,
    /// VAT rate in percent.
    pub rate: Decimal,
}

impl LinePricing {
    /// quantity × unit price ÷ base − discount − allowances + charges, unrounded (BT-131).
    fn amount(&self) -> Decimal {
        let base = self.amount;
        let discounted = match self.discount {
            Discount::None => base,
            Discount::Percent(pct) => base - base * pct / Decimal::ONE_HUNDRED,
            Discount::Amount(amount) if base < Decimal::ZERO => base + amount,
            Discount::Amount(amount) => base - amount,
        };
        discounted - self.allowances + self.charges
    }
}

/// A document-level allowance or charge as the totals see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentAllowance {
    /// A charge (BG-21) rather than an allowance (BG-20).
    pub is_charge: bool,
    /// Its amount.
    pub amount: Decimal,
    /// Its VAT category.
    pub category: VatCategory,
    /// Its VAT rate.
    pub rate: Decimal,
}

impl DocumentAllowance {
    /// The totals' view of a document's checked allowances, then its charges.
    pub fn all(
        allowances: &[super::terms::AllowanceCharge],
        charges: &[super::terms::AllowanceCharge],
    ) -> Vec<Self> {
        allowances
            .iter()
            .map(|a| DocumentAllowance::of(a, false))
            .chain(charges.iter().map(|c| DocumentAllowance::of(c, true)))
            .collect()
    }

    /// The totals' view of a checked allowance or charge.
    pub fn of(ac: &super::terms::AllowanceCharge, is_charge: bool) -> Self {
        DocumentAllowance {
            is_charge,
            amount: ac.value(),
            category: ac.category(),
            rate: ac.vat_rate.unwrap_or_default().normalize(),
        }
    }
}

/// What changes the amount due besides the lines: prepaid (BT-113) and rounding (BT-114).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Adjustments {
    /// Paid before the invoice.
    pub paid: Decimal,
    /// Added to round the amount due.
    pub rounding: Decimal,
}

impl Adjustments {
    /// The adjustments of a document's optional prepaid and rounding amounts.
    pub fn of(paid: Option<Decimal>, rounding: Option<Decimal>) -> Self {
        Adjustments {
            paid: paid.unwrap_or_default(),
            rounding: rounding.unwrap_or_default(),
        }
    }
}

/// One row of the VAT breakdown (EN 16931 BG-23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VatGroup {
    /// VAT category of the group.
    pub category: VatCategory,
    /// VAT rate in percent.
    pub rate: Decimal,
    /// Sum of the line nets in the group (BT-116).
    pub taxable_amount: Decimal,
    /// VAT of the group (BT-117).
    pub tax_amount: Decimal,
    /// Why no VAT is charged, for categories other than S and Z (BT-120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption_reason: Option<String>,
}

/// Document sums (EN 16931 BG-22).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Totals {
    /// VAT breakdown, one row per (category, rate), in category then rate order.
    pub vat_breakdown: Vec<VatGroup>,
    /// Sum of line nets (BT-106).
    #[serde(default)]
    pub line_total: Decimal,
    /// Sum of document-level allowances (BT-107).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub allowance_total: Decimal,
    /// Sum of document-level charges (BT-108).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub charge_total: Decimal,
    /// Total without VAT: line total − allowances + charges (BT-109).
    pub total_net: Decimal,
    /// Sum of group VAT (BT-110).
    pub total_vat: Decimal,
    /// Net + VAT (BT-112).
    pub total_gross: Decimal,
    /// Paid before this invoice (BT-113).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub paid_amount: Decimal,
    /// Rounding amount (BT-114).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub rounding_amount: Decimal,
    /// Amount due for payment: gross − paid + rounding (BT-115).
    #[serde(default)]
    pub amount_payable: Decimal,
}

impl Totals {
    /// Fill in the sums that follow from the stored ones: the line total from the line nets,
    /// the allowance and charge totals, and the amount payable.
    pub fn complete(
        mut self,
        line_nets: impl Iterator<Item = Decimal>,
        document_ac: &[DocumentAllowance],
        adjustments: Adjustments,
        currency: Currency,
    ) -> Totals {
        self.line_total = currency.rescale(line_nets.sum());
        let sum = |charge: bool| -> Decimal {
            document_ac
                .iter()
                .filter(|ac| ac.is_charge == charge)
                .map(|ac| ac.amount)
                .sum()
        };
        self.allowance_total = currency.rescale(sum(false));
        self.charge_total = currency.rescale(sum(true));
        self.paid_amount = currency.rescale(adjustments.paid);
        self.rounding_amount = currency.rescale(adjustments.rounding);
        self.amount_payable =
            currency.rescale(self.total_gross - adjustments.paid + adjustments.rounding);
        self
    }
}

/// Line nets (same order as the input) and the document totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// Net amount of each line, rounded to the currency.
    pub line_nets: Vec<Decimal>,
    /// Breakdown and sums.
    pub totals: Totals,
}

/// Compute line nets and totals. `document_ac` are the document-level allowances and
/// charges (net prices only), `reasons` the exemption reason per category.
pub fn compute(
    lines: &[LinePricing],
    document_ac: &[DocumentAllowance],
    currency: Currency,
    prices_include_vat: bool,
    reasons: &BTreeMap<VatCategory, String>,
    adjustments: Adjustments,
) -> Computed {
    let mut line_nets = vec![Decimal::ZERO; lines.len()];
    // (category, rate) -> indexes of its lines; BTreeMap keeps a stable, readable order.
    let mut groups: BTreeMap<(VatCategory, Decimal), Vec<usize>> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        groups
            .entry((line.category, line.rate.normalize()))
            .or_default()
            .push(index);
    }
    for ac in document_ac {
        groups.entry((ac.category, ac.rate)).or_default();
    }

    let mut vat_breakdown = Vec::with_capacity(groups.len());
    for ((category, rate), members) in groups {
        let fraction = rate / Decimal::ONE_HUNDRED;
        let (taxable_amount, tax_amount) = if prices_include_vat {
            let grosses: Vec<Decimal> = members
                .iter()
                .map(|&i| currency.round(lines[i].amount()))
                .collect();
            let group_gross: Decimal = grosses.iter().sum();
            let group_net = currency.round(group_gross / (Decimal::ONE + fraction));
            spread_nets(
                &members,
                &grosses,
                fraction,
                group_net,
                currency,
                &mut line_nets,
            );
            (group_net, group_gross - group_net)
        } else {
            for &i in &members {
                line_nets[i] = currency.round(lines[i].amount());
            }
            let lines_net: Decimal = members.iter().map(|&i| line_nets[i]).sum();
            let group_net = document_ac
                .iter()
                .filter(|ac| (ac.category, ac.rate) == (category, rate))
                .fold(lines_net, |net, ac| {
                    if ac.is_charge {
                        net + ac.amount
                    } else {
                        net - ac.amount
                    }
                });
            (group_net, currency.round(group_net * fraction))
        };
        vat_breakdown.push(VatGroup {
            category,
            rate,
            taxable_amount: currency.rescale(taxable_amount),
            tax_amount: currency.rescale(tax_amount),
            exemption_reason: reasons.get(&category).cloned(),
        });
    }

    let total_net: Decimal = vat_breakdown.iter().map(|g| g.taxable_amount).sum();
    let total_vat: Decimal = vat_breakdown.iter().map(|g| g.tax_amount).sum();
    let line_nets: Vec<Decimal> = line_nets.into_iter().map(|n| currency.rescale(n)).collect();
    let totals = Totals {
        vat_breakdown,
        total_net: currency.rescale(total_net),
        total_vat: currency.rescale(total_vat),
        total_gross: currency.rescale(total_net + total_vat),
        ..Totals::default()
    }
    .complete(
        line_nets.iter().copied(),
        document_ac,
        adjustments,
        currency,
    );
    Computed { line_nets, totals }
}

/// Gross mode: give each line round(gross / (1 + rate)) and put the rounding difference to the
/// group net on the largest line, so line nets add up to the group net.
fn spread_nets(
    members: &[usize],
    grosses: &[Decimal],
    fraction: Decimal,
    group_net: Decimal,
    currency: Currency,
    line_nets: &mut [Decimal],
) {
    let mut sum = Decimal::ZERO;
    for (&i, gross) in members.iter().zip(grosses) {
        line_nets[i] = currency.round(gross / (Decimal::ONE + fraction));
        sum += line_nets[i];
    }
    let largest = members
        .iter()
        .zip(grosses)
        .max_by_key(|(_, gross)| gross.abs())
        .map(|(&i, _)| i);
    if let Some(i) = largest {
        line_nets[i] += group_net - sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(qty: Decimal, price: Decimal, category: VatCategory, rate: Decimal) -> LinePricing {
        LinePricing {
            amount: qty * price,
            discount: Discount::None,
            allowances: Decimal::ZERO,
            charges: Decimal::ZERO,
            category,
            rate,
        }
    }

    fn compute(
        lines: &[LinePricing],
        currency: Currency,
        gross: bool,
        reasons: &BTreeMap<VatCategory, String>,
    ) -> Computed {
        super::compute(lines, &[], currency, gross, reasons, Adjustments::default())
    }

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn no_reasons() -> BTreeMap<VatCategory, String> {
        BTreeMap::new()
    }

    #[test]
    fn vat_is_rounded_per_group_not_per_line() {
        let l = line(dec!(1), dec!(0.35), VatCategory::Standard, dec!(19));
        let c = compute(&[l, l, l], eur(), false, &no_reasons());
        assert_eq!(c.totals.total_net, dec!(1.05));
        assert_eq!(c.totals.total_vat.to_string(), "0.20");
        assert_eq!(c.totals.total_gross, dec!(1.25));
    }

    #[test]
    fn gross_price_mode() {
        let l = line(dec!(1), dec!(500.00), VatCategory::Standard, dec!(10));
        let c = compute(&[l], eur(), true, &no_reasons());
        assert_eq!(c.totals.total_net.to_string(), "454.55");
        assert_eq!(c.totals.total_vat.to_string(), "45.45");
        assert_eq!(c.totals.total_gross.to_string(), "500.00");
        assert_eq!(c.line_nets, vec![dec!(454.55)]);
    }

    #[test]
    fn gross_mode_line_nets_add_up_to_group_net() {
        let lines: Vec<_> = [dec!(9.99), dec!(19.99), dec!(4.99), dec!(0.99)]
            .into_iter()
            .map(|p| line(dec!(1), p, VatCategory::Standard, dec!(19)))
            .collect();
        let c = compute(&lines, eur(), true, &no_reasons());
        let sum: Decimal = c.line_nets.iter().sum();
        assert_eq!(sum, c.totals.total_net);
        assert_eq!(c.totals.total_gross, dec!(35.96));
    }

    #[test]
    fn several_rates_are_grouped() {
        let lines = [
            line(dec!(2), dec!(100), VatCategory::Standard, dec!(19)),
            line(dec!(3), dec!(10.10), VatCategory::Standard, dec!(7)),
            line(dec!(1), dec!(50), VatCategory::Standard, dec!(19)),
            line(dec!(1), dec!(20), VatCategory::Zero, dec!(0)),
        ];
        let c = compute(&lines, eur(), false, &no_reasons());
        let groups: Vec<_> = c
            .totals
            .vat_breakdown
            .iter()
            .map(|g| {
                (
                    g.category.code(),
                    g.rate.to_string(),
                    g.taxable_amount.to_string(),
                    g.tax_amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            vec![
                ("S", "7".into(), "30.30".into(), "2.12".into()),
                ("S", "19".into(), "250.00".into(), "47.50".into()),
                ("Z", "0".into(), "20.00".into(), "0.00".into()),
            ]
        );
        assert_eq!(c.totals.total_net, dec!(300.30));
        assert_eq!(c.totals.total_vat, dec!(49.62));
        assert_eq!(c.totals.total_gross, dec!(349.92));
    }

    #[test]
    fn small_business_exemption_has_no_vat_and_carries_the_reason() {
        let mut reasons = BTreeMap::new();
        reasons.insert(
            VatCategory::Exempt,
            "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.".to_string(),
        );
        let l = line(dec!(8), dec!(85), VatCategory::Exempt, dec!(0));
        let c = compute(&[l], eur(), false, &reasons);
        assert_eq!(c.totals.total_vat, Decimal::ZERO);
        assert_eq!(c.totals.total_gross.to_string(), "680.00");
        assert!(
            c.totals.vat_breakdown[0]
                .exemption_reason
                .as_deref()
                .is_some_and(|r| r.contains("§ 19"))
        );
    }

    #[test]
    fn reverse_charge_has_zero_vat() {
        let l = line(dec!(10), dec!(120), VatCategory::ReverseCharge, dec!(0));
        let c = compute(&[l], eur(), false, &no_reasons());
        assert_eq!(c.totals.total_vat, Decimal::ZERO);
        assert_eq!(c.totals.total_gross, dec!(1200));
    }

    #[test]
    fn yen_has_no_decimals() {
        let jpy = Currency::from_code("JPY").unwrap();
        let lines = [
            line(dec!(3), dec!(333), VatCategory::Standard, dec!(10)),
            line(dec!(1), dec!(1005), VatCategory::Standard, dec!(8)),
        ];
        let c = compute(&lines, jpy, false, &no_reasons());
        assert_eq!(c.totals.total_net.to_string(), "2004");
        // 999 × 10 % = 99.9 → 100; 1005 × 8 % = 80.4 → 80
        assert_eq!(c.totals.total_vat.to_string(), "180");
        assert_eq!(c.totals.total_gross.to_string(), "2184");
    }

    #[test]
    fn discounts_reduce_the_line_before_rounding() {
        let mut l = line(dec!(3), dec!(33.33), VatCategory::Standard, dec!(19));
        l.discount = Discount::Percent(dec!(10));
        let c = compute(&[l], eur(), false, &no_reasons());
        // 99.99 × 0.9 = 89.991 → 89.99
        assert_eq!(c.line_nets[0].to_string(), "89.99");
        l.discount = Discount::Amount(dec!(9.99));
        let c = compute(&[l], eur(), false, &no_reasons());
        assert_eq!(c.line_nets[0].to_string(), "90.00");
    }

    #[test]
    fn line_net_rounds_half_away_from_zero() {
        // 0.5 × 0.05 = 0.025 → 0.03 (banker's rounding would give 0.02)
        let l = line(dec!(0.5), dec!(0.05), VatCategory::Standard, dec!(19));
        let c = compute(&[l], eur(), false, &no_reasons());
        assert_eq!(c.line_nets[0], dec!(0.03));
    }
}
