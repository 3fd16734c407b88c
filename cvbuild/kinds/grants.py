"""The `grants` section kind: grants and fellowships (funder, programme, number, period, amount
and own share, role, status), with the totals per currency that committees ask for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from cvbuild.document import Block, Item
from cvbuild.fields import Model, Periods, SectionBase, Text, Url
from cvbuild.kinds.base import (
    Context,
    Filter,
    ItemLabels,
    SectionKind,
    last_year,
    newest,
    sentences,
    source_of,
)
from cvbuild.richtext import EMPTY, Rich, bold, join, link, parse_markup, rich

Currency = Annotated[
    str,
    Field(
        pattern=r"^([A-Z]{3}|[$€£¥₹]|CHF|Fr\.)$",
        description="An ISO code (USD, EUR, GBP, CHF) or a symbol ($, €, £).",
    ),
]
GrantStatus = Literal["awarded", "pending", "declined"]


class Grant(Model):
    title: Text
    funder: Text
    programme: str = Field("", description="E.g. 'CAREER', 'Emmy Noether', 'ERC Starting Grant'.")
    number: str = Field("", description="The grant or award number, e.g. 'EAR-2103701'.")
    period: Periods
    amount: float | None = Field(None, ge=0, description="The whole grant, in `currency`.")
    currency: Currency | None = None
    share: float | None = Field(
        None,
        ge=0,
        description="Your own share of the amount (same currency); without it the whole "
        "amount counts as your share in the totals.",
    )
    role: str = Field("", description="E.g. 'PI', 'co-PI', 'co-I', 'participant', 'mentor'.")
    leading: bool = Field(False, description="True where you lead it (PI); see `leading_only`.")
    status: GrantStatus = Field(
        "awarded", description="awarded, pending (under review) or declined; only awarded count."
    )
    url: Url | None = None
    labels: ItemLabels = {}
    note: Text | None = None
    selected: bool = False

    @model_validator(mode="after")
    def _money(self) -> Grant:
        if (self.amount is not None or self.share is not None) and not self.currency:
            raise ValueError("an amount needs its currency, e.g. 'currency: USD' or 'currency: €'")
        if self.amount is not None and self.share is not None and self.share > self.amount:
            raise ValueError(
                f"the own share {self.share:g} is larger than the amount {self.amount:g}"
            )
        return self


class GrantsSection(SectionBase):
    kind: Literal["grants"]
    totals: bool = Field(
        True, description="Print the sums of awarded grants per currency, with your own share."
    )
    grants: list[Grant] = Field(min_length=1)


def trim(section: GrantsSection, keep: Filter) -> GrantsSection:
    grants = [
        g
        for g in section.grants
        if keep.wanted(last_year(g.period), g.selected)
        and (g.leading or not keep.rules.leading_only)
    ]
    return section.model_copy(update={"grants": keep.cap(grants, lambda g: newest(g.period))})


def _money(grant: Grant, context: Context) -> Rich:
    context = context.labelled(grant.labels)
    currency = grant.currency or ""
    amount = context.amount(grant.amount, currency) if grant.amount is not None else ""
    share = (
        f"{context.word('own_share')} {context.amount(grant.share, currency)}"
        if grant.share is not None and grant.share != grant.amount
        else ""
    )
    if amount and share:
        return rich(f"{amount} ({share})")
    return rich(amount or share)


def compose(section: GrantsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for grant in section.grants:
        words = context.labelled(grant.labels)
        number = f"{words.word('number')} {grant.number}" if grant.number else ""
        funder = join([parse_markup(grant.funder), rich(grant.programme), rich(number)], ", ")
        status = words.word(grant.status) if grant.status != "awarded" else ""
        text = sentences(
            [
                rich(link(grant.url, bold(parse_markup(grant.title)))),
                funder,
                rich(grant.role),
                _money(grant, context),
                rich(status),
                parse_markup(grant.note) if grant.note else EMPTY,
            ]
        )
        blocks.append(Item(context.periods(grant.period), text, source_of(grant)))
    if section.totals:
        total = totals(section.grants, context)
        if total:
            blocks.append(Item(context.word("total"), total, source_of(section)))
    return blocks


def sums(grants: Sequence[Grant], since: int | None = None) -> dict[str, tuple[float, float]]:
    """Per currency (in order of first use) the awarded amounts and own shares, of the grants
    starting in `since` or later (all when None)."""
    found: dict[str, tuple[float, float]] = {}
    for grant in grants:
        if grant.status != "awarded" or not grant.currency or grant.amount is None:
            continue
        if since is not None and min(p.start.year for p in grant.period) < since:
            continue
        amount, share = found.get(grant.currency, (0.0, 0.0))
        own = grant.share if grant.share is not None else grant.amount
        found[grant.currency] = (amount + grant.amount, share + own)
    return found


def metric(grants: Sequence[Grant], context: Context, since: int | None, own: bool) -> str:
    """A metrics-table cell: the sums per currency ('USD 1,250,000; EUR 300,000'), or '0'."""
    found = sums(grants, since)
    parts = [context.amount(share if own else amount, c) for c, (amount, share) in found.items()]
    return "; ".join(parts) or context.number(0)


def totals(grants: list[Grant], context: Context) -> Rich:
    """Per currency (in order of first use) the sum of the awarded amounts and of the own
    shares: 'USD 3,250,000 (own share USD 1,200,000); EUR 500,000'."""
    parts = []
    for currency, (amount, share) in sums(grants).items():
        text = context.amount(amount, currency)
        if share != amount:
            text += f" ({context.word('own_share')} {context.amount(share, currency)})"
        parts.append(rich(text))
    return join(parts, "; ")


KIND = SectionKind("grants", GrantsSection, lambda s: s.grants, trim, compose)
