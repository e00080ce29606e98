"""Demo knowledge base for `seed_demo`: 32 articles in English, Spanish and German translations of a dozen of them
(some left behind a newer English version), and acknowledgements pending for the tiers that must read them.

Everything goes through the services, so versions, search vectors, acknowledgements and the audit log are as in
real use. No random draws: the same database gets the same articles whatever the seed.
"""

import datetime as dt

from django.contrib.auth import get_user_model

from regions.models import Team

from .models import PENDING, Acknowledgement, Article, Category, DeflectionChannel
from .services import (
    acknowledgement_confirm,
    article_create,
    article_edit,
    article_transition,
    deflection_record,
    translation_save,
)

CATEGORIES = {
    "accounts": "Accounts and sign-in",
    "billing": "Billing and refunds",
    "orders": "Orders and shipping",
    "api": "API and developers",
    "outages": "Outages and incidents",
    "policies": "Policies and handling",
}

# slug key, category, owner team, audience, required tiers, title, what it solves, the step that matters
ARTICLES = [
    (
        "reset-password",
        "accounts",
        "t1-dub",
        "customer",
        [1],
        "Reset a forgotten password",
        "The customer cannot sign in because they forgot their password.",
        "Send the reset link from the sign-in page; it is valid for 24 hours.",
    ),
    (
        "locked-account",
        "accounts",
        "t1-dub",
        "customer",
        [],
        "Unlock an account after too many attempts",
        "The account is locked after five failed sign-in attempts.",
        "Wait 15 minutes or verify identity and unlock.",
    ),
    (
        "two-factor",
        "accounts",
        "t1-dub",
        "customer",
        [],
        "Set up two-factor authentication",
        "The customer wants a second step at sign-in.",
        "Scan the QR code with an authenticator app.",
    ),
    (
        "lost-2fa-device",
        "accounts",
        "t2-dub",
        "internal",
        [1, 2],
        "Recover an account after losing the 2FA device",
        "The customer lost the phone with their authenticator app.",
        "Verify identity with two documents before removing the second factor.",
    ),
    (
        "change-email",
        "accounts",
        "t1-dub",
        "customer",
        [],
        "Change the email address of an account",
        "The customer wants to use another email address.",
        "Confirm the change from both the old and new address.",
    ),
    (
        "delete-account",
        "accounts",
        "t2-dub",
        "customer",
        [],
        "Close and delete an account",
        "The customer asks to close the account and erase their data.",
        "Raise an erasure request for an admin.",
    ),
    (
        "refund-timeline",
        "billing",
        "t2-mex",
        "customer",
        [2],
        "How long a refund takes",
        "The customer asks when a refund will reach their bank.",
        "Banks show refunds within 5 to 10 working days.",
    ),
    (
        "refund-request",
        "billing",
        "t2-mex",
        "internal",
        [2],
        "Issue a refund",
        "A refund is due after a failed delivery or a double charge.",
        "Refund in the billing console and note the id.",
    ),
    (
        "double-charge",
        "billing",
        "t2-mex",
        "customer",
        [],
        "Charged twice for one order",
        "The card statement shows the same charge twice.",
        "A pending authorisation disappears within 3 days.",
    ),
    (
        "invoice-vat",
        "billing",
        "t2-dub",
        "customer",
        [],
        "Add a VAT number to invoices",
        "A business customer needs their VAT number on invoices.",
        "Add it under Billing settings; new invoices show it.",
    ),
    (
        "failed-payment",
        "billing",
        "t2-mex",
        "customer",
        [],
        "A payment was declined",
        "The card payment failed at checkout.",
        "Check the card's expiry date and ask the bank to allow the charge.",
    ),
    (
        "chargeback",
        "billing",
        "t2-dub",
        "internal",
        [2],
        "Handle a chargeback dispute",
        "The bank told us the customer disputed a charge.",
        "Send the order evidence to billing within 7 days.",
    ),
    (
        "subscription-cancel",
        "billing",
        "t2-mex",
        "customer",
        [],
        "Cancel a subscription",
        "The customer wants to stop a recurring plan.",
        "Cancel under Plans; access continues to the period's end.",
    ),
    (
        "shipping-delay",
        "orders",
        "t1-mex",
        "customer",
        [1],
        "Parcel delayed in transit",
        "The tracking page has not moved for several days.",
        "Open a carrier trace after 5 working days.",
    ),
    (
        "wrong-item",
        "orders",
        "t1-mex",
        "customer",
        [],
        "Received the wrong item",
        "The parcel contains another product than ordered.",
        "Send a prepaid return label and reship at once.",
    ),
    (
        "change-address",
        "orders",
        "t1-mex",
        "customer",
        [],
        "Change the delivery address",
        "The customer gave a wrong address.",
        "Change it before the order ships; afterwards ask the carrier.",
    ),
    (
        "damaged-parcel",
        "orders",
        "t1-mex",
        "customer",
        [],
        "Parcel arrived damaged",
        "The product is broken on arrival.",
        "Ask for a photo, then replace or refund without a return.",
    ),
    (
        "customs-fees",
        "orders",
        "t1-dub",
        "customer",
        [],
        "Customs fees on delivery",
        "The customer was asked to pay import duties.",
        "Orders shipped from the EU to the EU have no customs fees.",
    ),
    (
        "api-keys",
        "api",
        "t3-krk",
        "customer",
        [],
        "Create and rotate API keys",
        "A developer needs a key or fears one leaked.",
        "Rotate the key in the dashboard; the old one stops in 24 hours.",
    ),
    (
        "api-rate-limits",
        "api",
        "t3-krk",
        "customer",
        [],
        "API rate limits and 429 errors",
        "Requests fail with 429 Too Many Requests.",
        "Honour Retry-After and back off exponentially.",
    ),
    (
        "webhook-signatures",
        "api",
        "t3-krk",
        "customer",
        [],
        "Verify webhook signatures",
        "A developer cannot validate our webhook signature.",
        "Compute the HMAC over the raw body, not parsed JSON.",
    ),
    (
        "sdk-upgrade",
        "api",
        "t3-krk",
        "internal",
        [3],
        "SDK upgrade checklist",
        "A customer's integration breaks after an SDK upgrade.",
        "Compare their version with the changelog first.",
    ),
    (
        "api-timeouts",
        "api",
        "t3-krk",
        "internal",
        [3],
        "Diagnose API timeouts",
        "Calls to the API time out for one customer.",
        "Collect request ids and check the status page.",
    ),
    (
        "outage-comms",
        "outages",
        "t2-dub",
        "internal",
        [1, 2, 3],
        "Talking to customers during an outage",
        "Many tickets arrive about the same failure.",
        "Link them to the incident and use the outage macro.",
    ),
    (
        "status-page",
        "outages",
        "t2-dub",
        "customer",
        [],
        "Where to see service status",
        "The customer asks whether a service is down.",
        "Point them to the status page and its subscription.",
    ),
    (
        "incident-escalation",
        "outages",
        "t3-krk",
        "internal",
        [2, 3],
        "Escalate a suspected incident",
        "Several customers report the same error at once.",
        "Page the on-call engineer and flag tickets critical.",
    ),
    (
        "handoff-notes",
        "policies",
        "t2-dub",
        "internal",
        [1, 2],
        "Write a Next Action before a handoff",
        "Your shift ends with open tickets.",
        "Every open ticket needs a Next Action the next team can follow.",
    ),
    (
        "pii-handling",
        "policies",
        "t2-dub",
        "internal",
        [1, 2, 3],
        "Handling personal data in tickets",
        "A customer sends card numbers or documents.",
        "Never copy personal data into notes; reveal only with a reason.",
    ),
    (
        "vip-customers",
        "policies",
        "t2-dub",
        "internal",
        [],
        "Serving VIP customers",
        "A VIP customer writes in.",
        "Answer within the VIP SLA and tell your lead about urgent ones.",
    ),
    (
        "tone-of-voice",
        "policies",
        "t1-dub",
        "internal",
        [1],
        "Tone of voice in replies",
        "Writing a reply to an upset customer.",
        "Acknowledge, explain, and say what happens next and when.",
    ),
    (
        "language-routing",
        "policies",
        "t1-mex",
        "internal",
        [],
        "Tickets in a language you do not speak",
        "The ticket is in a language you cannot answer in.",
        "Move it to a team whose agents speak it.",
    ),
    (
        "warranty",
        "policies",
        "t1-dub",
        "customer",
        [],
        "Warranty and repairs",
        "The product stopped working within two years.",
        "Offer a repair or replacement under the legal warranty.",
    ),
]

# slug key -> {locale: (title, what it solves, the step that matters)}
TRANSLATIONS = {
    "reset-password": {
        "es": ("Restablecer una contraseña olvidada", "El cliente no puede entrar porque olvidó su contraseña.",
               "Envía el enlace de restablecimiento; es válido durante 24 horas."),
        "de": ("Ein vergessenes Passwort zurücksetzen", "Der Kunde kann sich nicht anmelden, weil er sein Passwort "
               "vergessen hat.", "Den Link zum Zurücksetzen senden; er gilt 24 Stunden."),
    },
    "locked-account": {
        "es": ("Desbloquear una cuenta tras demasiados intentos", "La cuenta se bloquea tras cinco intentos fallidos.",
               "Espera 15 minutos o verifica la identidad y desbloquea."),
        "de": ("Ein Konto nach zu vielen Versuchen entsperren", "Das Konto wird nach fünf Fehlversuchen gesperrt.",
               "15 Minuten warten oder die Identität prüfen und entsperren."),
    },
    "refund-timeline": {
        "es": ("Cuánto tarda un reembolso", "El cliente pregunta cuándo llegará el reembolso a su banco.",
               "Los bancos muestran los reembolsos en 5 a 10 días hábiles."),
        "de": ("Wie lange eine Rückerstattung dauert", "Der Kunde fragt, wann die Rückerstattung bei der Bank ankommt.",
               "Banken zeigen Rückerstattungen nach 5 bis 10 Werktagen."),
    },
    "double-charge": {
        "es": ("Cobro doble por un pedido", "El extracto muestra el mismo cargo dos veces.",
               "Una autorización pendiente desaparece en 3 días."),
        "de": ("Für eine Bestellung doppelt belastet", "Die Kartenabrechnung zeigt dieselbe Belastung zweimal.",
               "Eine vorgemerkte Autorisierung verschwindet innerhalb von 3 Tagen."),
    },
    "failed-payment": {
        "es": ("Un pago fue rechazado", "El pago con tarjeta falló al pagar.",
               "Revisa la fecha de caducidad y pide al banco que autorice el cargo."),
        "de": ("Eine Zahlung wurde abgelehnt", "Die Kartenzahlung ist an der Kasse fehlgeschlagen.",
               "Ablaufdatum prüfen und die Bank bitten, die Belastung zu erlauben."),
    },
    "subscription-cancel": {
        "es": ("Cancelar una suscripción", "El cliente quiere detener un plan recurrente.",
               "Cancela en Planes; el acceso sigue hasta el final del periodo."),
        "de": ("Ein Abonnement kündigen", "Der Kunde möchte einen wiederkehrenden Tarif beenden.",
               "Unter Tarife kündigen; der Zugang bleibt bis zum Ende des Zeitraums."),
    },
    "shipping-delay": {
        "es": ("Paquete retrasado en tránsito", "El seguimiento no se ha movido en varios días.",
               "Abre una investigación con el transportista tras 5 días hábiles."),
        "de": ("Paket unterwegs verspätet", "Die Sendungsverfolgung steht seit mehreren Tagen still.",
               "Nach 5 Werktagen einen Nachforschungsauftrag beim Versanddienst stellen."),
    },
    "wrong-item": {
        "es": ("Recibí un artículo equivocado", "El paquete contiene otro producto distinto al pedido.",
               "Envía una etiqueta de devolución prepagada y reenvía enseguida."),
        "de": ("Falschen Artikel erhalten", "Das Paket enthält ein anderes Produkt als bestellt.",
               "Ein frankiertes Rücksendeetikett senden und sofort neu versenden."),
    },
    "damaged-parcel": {
        "es": ("El paquete llegó dañado", "El producto llegó roto.",
               "Pide una foto y reemplaza o reembolsa sin devolución."),
        "de": ("Paket beschädigt angekommen", "Das Produkt ist bei der Ankunft kaputt.",
               "Um ein Foto bitten, dann ohne Rücksendung ersetzen oder erstatten."),
    },
    "api-rate-limits": {
        "es": ("Límites de la API y errores 429", "Las peticiones fallan con 429 Too Many Requests.",
               "Respeta Retry-After y reintenta con espera exponencial."),
        "de": ("API-Ratenlimits und 429-Fehler", "Anfragen scheitern mit 429 Too Many Requests.",
               "Retry-After beachten und exponentiell warten."),
    },
    "status-page": {
        "es": ("Dónde ver el estado del servicio", "El cliente pregunta si un servicio está caído.",
               "Indícale la página de estado y su suscripción."),
        "de": ("Wo der Dienststatus zu sehen ist", "Der Kunde fragt, ob ein Dienst ausgefallen ist.",
               "Auf die Statusseite und ihr Abonnement verweisen."),
    },
    "warranty": {
        "es": ("Garantía y reparaciones", "El producto dejó de funcionar antes de dos años.",
               "Ofrece reparación o sustitución según la garantía legal."),
        "de": ("Garantie und Reparaturen", "Das Produkt funktioniert innerhalb von zwei Jahren nicht mehr.",
               "Reparatur oder Ersatz im Rahmen der gesetzlichen Gewährleistung anbieten."),
    },
}  # fmt: skip

# Articles whose English text moved on after they were translated: their translations show as outdated.
REVISED = ["reset-password", "refund-timeline", "shipping-delay", "api-rate-limits"]

HEADINGS = {
    "en": ("When this applies", "What to do", "Check the account or order in the admin console.", "Tell the "
           "customer what happens next and when, and note it on the ticket."),
    "es": ("Cuándo aplica", "Qué hacer", "Revisa la cuenta o el pedido en la consola.", "Dile al cliente qué pasará "
           "y cuándo, y anótalo en el ticket."),
    "de": ("Wann das gilt", "Was zu tun ist", "Konto oder Bestellung in der Konsole prüfen.", "Dem Kunden sagen, was "
           "als Nächstes passiert und wann, und es im Ticket vermerken."),
}  # fmt: skip


# Answer before ticket: customers who marked a suggested article as their answer (slug key, language, country,
# channel, how many), spread over the last two weeks.
DEFLECTIONS = [
    ("double-charge", "es", "MX", DeflectionChannel.WEB, 9),
    ("failed-payment", "es", "MX", DeflectionChannel.WEB, 6),
    ("double-charge", "es", "ES", DeflectionChannel.WEB, 3),
    ("reset-password", "es", "AR", DeflectionChannel.CHAT, 4),
    ("refund-timeline", "es", "MX", DeflectionChannel.CHAT, 2),
    ("reset-password", "en", "US", DeflectionChannel.WEB, 7),
    ("refund-timeline", "en", "GB", DeflectionChannel.CHAT, 3),
    ("shipping-delay", "de", "DE", DeflectionChannel.WEB, 5),
]


def _body(language, problem, step):
    when, what, check, tell = HEADINGS[language]
    return f"## {when}\n\n{problem}\n\n## {what}\n\n1. {check}\n2. {step}\n3. {tell}\n"


def seed_knowledge(*, now):
    """Categories, articles, translations and acknowledgements; returns a summary line. A second run leaves an
    existing knowledge base alone."""
    if Article.objects.exists():
        return "Knowledge: already there, left alone"
    admin = get_user_model().objects.get(username="admin")
    teams = Team.objects.in_bulk(field_name="code")
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in CATEGORIES.items()
    }
    start = now - dt.timedelta(days=30)
    translated = outdated = 0
    articles = {}
    for i, (key, category, team, audience, tiers, title, problem, step) in enumerate(ARTICLES):
        at = start + dt.timedelta(hours=6 * i)
        article = article_create(
            owner_team=teams[team],
            category=categories[category],
            title=title,
            body=_body("en", problem, step),
            audience=audience,
            tiers=tiers,
            actor=admin,
            at=at,
        )
        article_transition(article=article, to="in_review", actor=admin, at=at)
        article = article_transition(article=article, to="published", actor=admin, at=at + dt.timedelta(hours=1))
        for locale, (t_title, t_problem, t_step) in TRANSLATIONS.get(key, {}).items():
            body = _body(locale, t_problem, t_step)
            translation_save(article=article, locale=locale, title=t_title, body=body, actor=admin, at=at)
            translated += 1
        if key in REVISED:
            article = article_edit(
                article=article,
                title=title,
                body=_body("en", problem, step) + "\nIf this does not help, escalate to Tier 2 with what you tried.\n",
                change_note="Say when to escalate",
                actor=admin,
                at=at + dt.timedelta(days=2),
            )
            outdated += len(TRANSLATIONS.get(key, {}))
        articles[key] = article
    # Some agents have read what their tier must; the others still have it pending.
    pending = Acknowledgement.objects.filter(PENDING).select_related("user", "version__article")
    for n, ack in enumerate(pending.order_by("user__username", "version__article__slug")):
        if n % 3 == 0:
            acknowledgement_confirm(article=ack.version.article, actor=ack.user, at=now - dt.timedelta(hours=n % 48))
    left = Acknowledgement.objects.filter(PENDING).count()
    deflections = 0
    for key, language, country, channel, times in DEFLECTIONS:
        for _ in range(times):
            deflections += 1
            at = now - dt.timedelta(hours=(deflections * 7) % (14 * 24))
            deflection_record(article=articles[key], language=language, country=country, channel=channel, at=at)
    return (
        f"Knowledge: {len(articles)} articles, {translated} translations ({outdated} outdated), "
        f"{left} acknowledgements pending, {deflections} deflections (answered before a ticket)"
    )
