"""The acknowledgement email's tone follows the customer's market: short and direct for DACH and North America,
warmer for Latin America and Asia-Pacific. Admins override any (market, language) in the Django admin."""

from django.utils import translation
from django.utils.translation import gettext as _

from ..models import AcknowledgementTemplate, Market
from .link import ticket_link_url

MARKET_COUNTRIES = {
    Market.DACH: {"DE", "AT", "CH", "LI"},
    Market.NA: {"US", "CA"},
    Market.LATAM: {"MX", "BR", "AR", "CO", "CL", "PE", "UY", "PY", "BO", "EC", "VE", "CR", "PA", "GT", "DO", "PR"},
    Market.APAC: {"JP", "PH", "AU", "NZ", "SG", "IN", "CN", "KR", "TW", "HK", "ID", "MY", "TH", "VN"},
}
WARM_MARKETS = {Market.LATAM, Market.APAC}
PLACEHOLDERS = ("name", "reference", "subject", "link")


def market_for(country):
    return next((market for market, countries in MARKET_COUNTRIES.items() if country in countries), Market.OTHER)


def default_acknowledgement(market):
    """The built-in (subject, body) of MARKET in the active language."""
    if market in WARM_MARKETS:
        return (
            _("Thank you for writing to us"),
            _(
                "Dear {name},\n\nthank you so much for reaching out. We have received your message about "
                "“{subject}” and a member of our team will take good care of it personally.\n\n"
                "Your reference is {reference}. You can read our answers, reply and add files here at any "
                "time:\n{link}\n\nWith warm regards,\nthe support team"
            ),
        )
    return (
        _("We received your request"),
        _(
            "Hello {name},\n\nwe received your request “{subject}” ({reference}) and will answer soon.\n\n"
            "Follow it and reply here: {link}\n\nSupport team"
        ),
    )


def _fill(text, values):
    # Placeholders are replaced one by one (never str.format: admin text must not reach attributes).
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", values[key])
    return text


def acknowledgement_text(ticket):
    """(subject, body) of TICKET's acknowledgement: the admin's template for the market and language, else ours."""
    customer = ticket.customer
    market = market_for(customer.country)
    row = AcknowledgementTemplate.objects.filter(market=market, language=customer.language).first()
    with translation.override(customer.language):
        subject, body = (row.subject, row.body) if row else default_acknowledgement(market)
    values = {"name": customer.name, "reference": ticket.reference, "subject": ticket.subject}
    values["link"] = ticket_link_url(ticket)
    return _fill(subject, values), _fill(body, values)
