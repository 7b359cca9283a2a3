"""The demo's year of figures, as the files a company would really have.

- `billing-2026.csv`: the FinOps team's combined FOCUS 1.0 export, Dec 1, 2025 to
  yesterday (Nov 15, 2026): daily token usage of the Customer Support Assistant on the
  OpenAI API and of Invoice Extraction on Azure OpenAI (both tagged `aigov-initiative`),
  Azure AI Document Intelligence pages for Invoice Extraction (untagged: an admin maps
  them with a rule), and some unrelated Azure storage and virtual machines.
- `owner-costs.csv`: what billing does not show (human review, data preparation) and the
  Campaign Copy Writer's Anthropic invoices, which have no billing feed.
- `outcomes.csv`: tickets resolved, invoices processed, campaign assets, per month.
- `november-costs.csv`: what the two initiatives without a billing feed send at the end
  of November (Campaign Copy Writer's holiday campaign, Sales Call Summaries' Q4 sales
  push): the demo's budget alerts.

Everything is generated from fixed numbers and a seeded random source, so every run
writes the same files. `OCTOBER_BY_SLACK` is what the support owner records in Slack;
`REVIEW_*` is what owners type into the Q3 2026 review's report modal.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # the demo's clock: Q4 2026 is "this quarter"
FIRST_DAY = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 15)  # the billing export runs to yesterday
TAG_KEY = "aigov-initiative"
SUPPORT = "Customer Support Assistant"
INVOICES = "Invoice Extraction"
CAMPAIGNS = "Campaign Copy Writer"
CALLS = "Sales Call Summaries"
CHATBOT = "Customer Service Chatbot"
DOC_SERVICE = "Azure AI Document Intelligence"
BILLING_FILE, COSTS_FILE, OUTCOMES_FILE = "billing-2026.csv", "owner-costs.csv", "outcomes.csv"
NOVEMBER_FILE = "november-costs.csv"

# Months Dec 2025 .. Nov 2026, and what happened in each (index 0 is December 2025).
MONTHS = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
TICKETS = [620, 1450, 3100, 4600, 5400, 6150, 6800, 7400, 7900, 8700, 9350, 9900]
INVOICES_DONE = [2100, 4800, 6500, 7900, 8800, 9600, 10400, 10900, 11600, 12300, 12800, 13100]
ASSETS = [140, 165, 190, 230, 250, 280, 300, 320, 355, 380, 410]  # to Oct
SUPPORT_OVERSIGHT = [4800, 4650, 4400, 4100, 3900, 3700, 3500, 3350, 3200, 3050]  # to Sep
SUPPORT_DATA = [300, 300, 320, 340, 350, 350, 360, 360, 370, 380]  # to Sep
CAMPAIGN_INFERENCE = [610, 690, 780, 940, 1010, 1120, 1210, 1290, 1420, 1530, 1640]  # to Oct
CAMPAIGN_OVERSIGHT = [1900, 1900, 1850, 1850, 1800, 1800, 1750, 1750, 1700, 1700, 1650]
CAMPAIGN_DATA = [120] * 11

# sam records October in Slack; the inference figure is copied from the OpenAI
# dashboard and overlaps the billing import, which wins (nothing counts twice).
OCTOBER_BY_SLACK = {
    "cost_inference": "5,100",
    "cost_data": "390",
    "cost_oversight": "2,900",
    "outcomes": "9,350",
    "note": "QA review down to 1.5 people; help-centre index rebuilt",
}
OCTOBER = date(2026, 10, 1)

# The Q3 2026 review: each modal opens with the quarter's billed costs filled in; owners
# add what billing does not show. sam and fin report the outcomes already in
# outcomes.csv (a month's own figure counts before a third of the quarter's); fin adds
# the accounts-payable clerk who checks exceptions, and sara, who has no billing feed,
# enters her whole quarter.
Q3 = slice(7, 10)  # Jul, Aug, Sep 2026 in the monthly lists above
REVIEW_SUPPORT = {
    "outcomes": f"{sum(TICKETS[Q3]):,}",
    "owner_recommendation": "continue",
    "note": "Oversight and data costs are in the spreadsheet; QA keeps shrinking.",
}
REVIEW_INVOICES = {
    "cost_oversight": "6,000",
    "outcomes": f"{sum(INVOICES_DONE[Q3]):,}",
    "owner_recommendation": "scale",
    "note": "First quarter we count the AP clerk who checks the exceptions (1 invoice in 12).",
}
REVIEW_CALLS = {
    "cost_inference": "2,400",
    "cost_oversight": "900",
    "outcomes": "1,150",
    "owner_recommendation": "fix",
    "note": "Reps still rewrite most summaries by hand.",
}

# Month end (Nov 30): the initiatives without a billing feed send their latest costs.
# maya's holiday campaign takes the Campaign Copy Writer to 92% of its $4,500 monthly
# budget (a threshold alert: the month is over, so no forecast); sara's Q4 sales push
# puts Sales Call Summaries at 78% of its $4,200 quarterly budget two-thirds into the
# quarter, on course for about $4,977 (a forecast alert). Neither month is 1.5x the
# three before it, so no spike alert.
NOVEMBER_COSTS: tuple[tuple[str, str, str, int, str], ...] = (
    (CAMPAIGNS, "2026-11", "inference", 2370, "Anthropic invoice: the holiday campaign"),
    (CAMPAIGNS, "2026-11", "oversight", 1650, "brand editor review"),
    (CAMPAIGNS, "2026-11", "data", 120, ""),
    (CALLS, "2026-10", "inference", 1100, "Anthropic invoice (no billing feed)"),
    (CALLS, "2026-10", "oversight", 400, "reps check the summaries"),
    (CALLS, "2026-11", "inference", 1350, "Q4 sales push: more calls recorded"),
    (CALLS, "2026-11", "oversight", 450, "reps check the summaries"),
)

# fmt: off
FOCUS_COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
    "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
)
# fmt: on
AZURE_SUB = "/subscriptions/5f2c9a41-7d3e-4b8a-9c61-2e0f4d7a8b13"
IT_SUB = "/subscriptions/0b7e3d22-91c4-4f5a-8e2d-6a1c9f3b7e40"


@dataclass(frozen=True)
class Meter:
    """One billed meter: who sells it, what it is, and its price per pricing unit."""

    provider: str
    service: str
    category: str
    account: tuple[str, str]  # BillingAccountId, BillingAccountName
    sub_account: tuple[str, str]  # SubAccountId, SubAccountName
    resource: tuple[str, str, str]  # ResourceId, ResourceName, ResourceType
    region: tuple[str, str]  # RegionId, RegionName ("" for none)
    sku: tuple[str, str]  # SkuId, ChargeDescription
    units: tuple[str, str, int]  # ConsumedUnit, PricingUnit, consumed units per pricing unit
    price: Decimal  # list price per pricing unit
    tags: dict[str, str]


OPENAI = ("org-acme-7Hq2", "Acme Corp")
AZURE = ("8611537", "Acme Corp EA")
WEST_EUROPE = ("westeurope", "West Europe")
TOKENS = ("Tokens", "1M Tokens", 1_000_000)
COGNITIVE = f"{AZURE_SUB}/resourceGroups/rg-invoice-ai/providers/Microsoft.CognitiveServices"
SHARED = f"{IT_SUB}/resourceGroups/rg-shared/providers"


def _openai(kind: str, price: str) -> Meter:
    return Meter(
        provider="OpenAI",
        service="OpenAI API",
        category="AI and Machine Learning",
        account=OPENAI,
        sub_account=("proj_support_assistant", "Support Assistant (production)"),
        resource=("proj_support_assistant/gpt-4o", "gpt-4o", "Model"),
        region=("", ""),
        sku=(f"gpt-4o-2024-08-06-{kind}", f"gpt-4o {kind} tokens"),
        units=TOKENS,
        price=Decimal(price),
        tags={TAG_KEY: SUPPORT, "team": "support", "env": "prod"},
    )


def _azure(
    service: str,
    name: str,
    sku: tuple[str, str],
    units: tuple[str, str, int],
    price: str,
    tags: dict[str, str],
) -> Meter:
    return Meter(
        provider="Microsoft",
        service=service,
        category="AI and Machine Learning",
        account=AZURE,
        sub_account=(AZURE_SUB, "finance-automation-prod"),
        resource=(f"{COGNITIVE}/accounts/{name}", name, "Microsoft.CognitiveServices/accounts"),
        region=WEST_EUROPE,
        sku=sku,
        units=units,
        price=Decimal(price),
        tags=tags,
    )


SUPPORT_IN, SUPPORT_OUT = _openai("input", "2.50"), _openai("output", "10.00")
INVOICE_TAGS = {TAG_KEY: INVOICES, "costcenter": "FIN-220", "env": "prod"}
INVOICE_IN, INVOICE_OUT = (
    _azure(
        "Azure OpenAI Service",
        "oai-invoice-extract",
        (f"gpt-4o-mini-glbl-{kind}", f"gpt-4o-mini Global {kind} tokens"),
        TOKENS,
        price,
        INVOICE_TAGS,
    )
    for kind, price in (("input", "0.165"), ("output", "0.66"))
)
DOC_PAGES = _azure(
    DOC_SERVICE,
    "docint-invoices",
    ("DZH318Z0BQ4M/0007", "Prebuilt invoice model pages"),
    ("Pages", "1K Pages", 1000),
    "10",
    {"env": "prod"},  # the aigov tag was forgotten on this resource
)
BLOB = replace(
    DOC_PAGES,
    service="Storage",
    category="Storage",
    sub_account=(IT_SUB, "corp-it-shared"),
    resource=(
        f"{SHARED}/Microsoft.Storage/storageAccounts/stcorpshared",
        "stcorpshared",
        "Microsoft.Storage/storageAccounts",
    ),
    sku=("DZH318Z0BNVX/003T", "Hot LRS data stored"),
    units=("GB/Month", "1 GB/Month", 1),
    price=Decimal("0.0196"),
    tags={"owner": "it-platform"},
)
VMS = replace(
    BLOB,
    service="Virtual Machines",
    category="Compute",
    resource=(
        f"{SHARED}/Microsoft.Compute/virtualMachines/vm-build-01",
        "vm-build-01",
        "Microsoft.Compute/virtualMachines",
    ),
    sku=("DZH318Z0BQPS/00TG", "D4s v5 hours"),
    units=("Hours", "1 Hour", 1),
    price=Decimal("0.192"),
)


def _days() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def _month_index(day: date) -> int:
    return (day.year - FIRST_DAY.year) * 12 + day.month - FIRST_DAY.month


def _per_day(monthly: list[int], day: date, weights: tuple[float, ...]) -> float:
    """A month's volume spread over its days by weekday weight."""
    month = date(day.year, day.month, 1)
    end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    days = [month + timedelta(n) for n in range((end - month).days)]
    total = sum(weights[d.weekday()] for d in days)
    return monthly[_month_index(day)] * weights[day.weekday()] / total


SUPPORT_WEEK = (1.15, 1.1, 1.05, 1.05, 1.0, 0.45, 0.4)  # tickets come in on weekdays
OFFICE_WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)  # invoices are processed Mon-Fri


def _row(meter: Meter, start: datetime, end: datetime, quantity: int) -> dict[str, str]:
    """One FOCUS Usage row; costs carry the sub-cent digits exports really have."""
    pricing = Decimal(quantity) / meter.units[2]
    cost = f"{pricing * meter.price:.10f}"
    first = date(start.year, start.month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    values = {
        "BilledCost": cost,
        "BillingAccountId": meter.account[0],
        "BillingAccountName": meter.account[1],
        "BillingCurrency": "USD",
        "BillingPeriodStart": f"{first.isoformat()}T00:00:00Z",
        "BillingPeriodEnd": f"{following.isoformat()}T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeDescription": meter.sku[1],
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": start.strftime(stamp),
        "ChargePeriodEnd": end.strftime(stamp),
        "ConsumedQuantity": str(quantity),
        "ConsumedUnit": meter.units[0],
        "ContractedCost": cost,
        "ContractedUnitPrice": str(meter.price),
        "EffectiveCost": cost,
        "InvoiceIssuerName": meter.provider,
        "ListCost": cost,
        "ListUnitPrice": str(meter.price),
        "PricingCategory": "Standard",
        "PricingQuantity": f"{pricing:.6f}",
        "PricingUnit": meter.units[1],
        "ProviderName": meter.provider,
        "PublisherName": meter.provider,
        "RegionId": meter.region[0],
        "RegionName": meter.region[1],
        "ResourceId": meter.resource[0],
        "ResourceName": meter.resource[1],
        "ResourceType": meter.resource[2],
        "ServiceCategory": meter.category,
        "ServiceName": meter.service,
        "SkuId": meter.sku[0],
        "SkuPriceId": f"{meter.sku[0]}/{meter.region[0] or 'global'}",
        "SubAccountId": meter.sub_account[0],
        "SubAccountName": meter.sub_account[1],
        "Tags": json.dumps(meter.tags),
    }
    return {column: values.get(column) or "NULL" for column in FOCUS_COLUMNS}


def billing_rows() -> Iterator[dict[str, str]]:
    """Daily AI usage rows, then monthly rows of unrelated cloud services."""
    rng = random.Random(2026)
    for day in _days():
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
        # Drafts for every ticket handled (about 1.35 per ticket resolved): long threads
        # plus help-centre articles in the prompt, a short answer out.
        handled = _per_day(TICKETS, day, SUPPORT_WEEK) * 1.35 * rng.uniform(0.9, 1.1)
        if handled >= 1:
            yield _row(SUPPORT_IN, start, end, int(handled * rng.uniform(130_000, 150_000)))
            yield _row(SUPPORT_OUT, start, end, int(handled * rng.uniform(4_500, 5_500)))
        invoices = _per_day(INVOICES_DONE, day, OFFICE_WEEK) * rng.uniform(0.85, 1.15)
        if invoices >= 1:
            # Four vision passes over about 2.4 pages per invoice.
            yield _row(INVOICE_IN, start, end, int(invoices * rng.uniform(110_000, 130_000)))
            yield _row(INVOICE_OUT, start, end, int(invoices * rng.uniform(7_000, 9_000)))
            yield _row(DOC_PAGES, start, end, int(invoices * rng.uniform(2.2, 2.6)))
    for month in MONTHS:
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        end = min(
            datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC),
            datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, tzinfo=UTC) + timedelta(days=1),
        )
        hours = int((end - start).total_seconds() // 3600)
        yield _row(BLOB, start, end, rng.randint(41_000, 46_000) * hours // 720)
        yield _row(VMS, start, end, hours)


def owner_cost_rows() -> Iterator[dict[str, str]]:
    """initiative, month, category, amount, note: to September for support (October
    comes through Slack), to October for the campaign writer."""
    for i, month in enumerate(MONTHS[:10]):
        note = "QA team reviews drafted answers" if i == 0 else ""
        yield _cost(SUPPORT, month, "oversight", SUPPORT_OVERSIGHT[i], note)
        yield _cost(SUPPORT, month, "data", SUPPORT_DATA[i], "help-centre index" if i == 0 else "")
    for i, month in enumerate(MONTHS[:11]):
        note = "Anthropic invoice (no billing feed)" if i == 0 else ""
        yield _cost(CAMPAIGNS, month, "inference", CAMPAIGN_INFERENCE[i], note)
        yield _cost(CAMPAIGNS, month, "oversight", CAMPAIGN_OVERSIGHT[i], "brand editor review")
        yield _cost(CAMPAIGNS, month, "data", CAMPAIGN_DATA[i], "")


def november_cost_rows() -> Iterator[dict[str, str]]:
    """The month-end costs of the initiatives without a billing feed."""
    for name, month, category, amount, note in NOVEMBER_COSTS:
        yield _cost(name, date.fromisoformat(f"{month}-01"), category, amount, note)


def _cost(name: str, month: date, category: str, amount: int, note: str) -> dict[str, str]:
    return {
        "initiative": name,
        "month": month.strftime("%Y-%m"),
        "category": category,
        "amount": f"{amount}.00",
        "note": note,
    }


def outcome_rows() -> Iterator[dict[str, str]]:
    """initiative, month, outcomes, value (empty: outcomes x the value per outcome)."""
    for name, counts, last in (
        (SUPPORT, TICKETS, 10),
        (INVOICES, INVOICES_DONE, 11),
        (CAMPAIGNS, ASSETS, 11),
    ):
        for month, count in zip(MONTHS[:last], counts[:last], strict=True):
            yield {"initiative": name, "month": month.strftime("%Y-%m"), "outcomes": str(count)}


@dataclass(frozen=True)
class DemoFiles:
    billing: Path
    costs: Path
    outcomes: Path
    november: Path


COST_COLUMNS = ("initiative", "month", "category", "amount", "note")


def write_files(folder: Path) -> DemoFiles:
    """Write the four files into `folder`; the same bytes every time."""
    folder.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        folder / BILLING_FILE,
        folder / COSTS_FILE,
        folder / OUTCOMES_FILE,
        folder / NOVEMBER_FILE,
    )
    _write(files.billing, FOCUS_COLUMNS, billing_rows())
    _write(files.costs, COST_COLUMNS, owner_cost_rows())
    _write(files.outcomes, ("initiative", "month", "outcomes", "value"), outcome_rows())
    _write(files.november, COST_COLUMNS, november_cost_rows())
    return files


def _write(path: Path, columns: tuple[str, ...] | list[str], rows: Iterator[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(columns), restval="")
        writer.writeheader()
        writer.writerows(rows)
