//! Tools for the parties: the seller profile (your business) and stored customers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Effect, ToolSpec};
use crate::domain::party::{Customer, NewCustomer, Party, SellerProfile};
use crate::error::Error;

pub(super) fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new::<NoArgs, SellerProfile>(
            "get_seller_profile",
            "Get seller profile",
            "Your business as it appears on every invoice: name, address, VAT ID, tax number, \
             bank account, default currency, language and payment days. NOT_FOUND until \
             set_seller_profile has been called once.",
            Effect::Reads,
            |cx, NoArgs {}| {
                let profile = cx.engine.get_seller_profile()?.ok_or_else(|| {
                    Error::not_found("no seller profile yet: set one with set_seller_profile")
                })?;
                let summary = format!("Seller profile of {}", profile.party.name);
                Ok((profile, summary))
            },
        ),
        ToolSpec::new::<SellerProfile, SellerProfile>(
            "set_seller_profile",
            "Set seller profile",
            "Set your business: the seller of every new draft, with its bank account and the \
             defaults of new drafts (currency, language, payment days, time zone). Replaces the \
             whole profile.",
            Effect::WritesIdempotent,
            |cx, profile| {
                let profile = cx.engine.set_seller_profile(profile)?;
                let summary = format!("Seller profile set for {}", profile.party.name);
                Ok((profile, summary))
            },
        ),
        ToolSpec::unparsed::<CustomerArgs, Customer>(
            "upsert_customer",
            "Add or update customer",
            "Store a customer to bill again later (create_invoice_draft with customer_id): a new \
             one without `id`, else that customer replaced.",
            Effect::WritesIdempotent,
            |cx, arguments| {
                let customer = cx
                    .engine
                    .upsert_customer(NewCustomer::from_json(arguments)?)?;
                let summary = format!("Customer {} stored: {}", customer.id, customer.party.name);
                Ok((customer, summary))
            },
        ),
        ToolSpec::new::<ListCustomersArgs, CustomerList>(
            "list_customers",
            "List customers",
            "Stored customers by name, optionally only those whose name contains `query`; at \
             most `limit` (1 to 1000, default 100).",
            Effect::Reads,
            |cx, args| {
                let customers = cx
                    .engine
                    .list_customers(args.query.as_deref(), args.limit)?;
                let mut summary = format!("{} customer(s)", customers.len());
                for customer in &customers {
                    summary.push_str(&format!("\n{}: {}", customer.id, customer.party.name));
                }
                Ok((CustomerList { customers }, summary))
            },
        ),
    ]
}

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

/// Arguments of `upsert_customer`: the party fields, plus `id` to replace a stored customer.
/// Only describes them: `NewCustomer::from_json` parses.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct CustomerArgs {
    /// The customer to replace; absent to add a new one.
    id: Option<i64>,
    /// Name, address and identifiers.
    #[serde(flatten)]
    party: Party,
}

/// Arguments of `list_customers`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListCustomersArgs {
    /// Only customers whose name contains this text.
    #[serde(default)]
    query: Option<String>,
    /// At most this many, 1 to 1000 (default 100).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<u32>,
}

/// Result of `list_customers`.
#[derive(Debug, Serialize, JsonSchema)]
struct CustomerList {
    /// By name.
    customers: Vec<Customer>,
}
