"""The customer's side (web form, ticket link), the inbound email webhook, and the agent's phone-call form.

Customer pages need no login: the web form is throttled per IP and has a honeypot; the ticket link is a signature
that names one ticket. Texts are in the customer's language (Customer.language) or the one their browser asks for.
"""

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from compliance.access import workspace_view
from compliance.api_errors import error_body
from compliance.models import Role
from knowledge.throttles import PerAddressRate, throttled

from .. import selectors
from ..forms import add_service_errors
from ..models import Ticket
from .chat import chat_messages, chat_say, chat_start, chat_ticket, chat_token
from .email_in import known_country, mail_receive
from .forms import LANGUAGES, CallForm, ChatSayForm, ChatStartForm, LinkReplyForm, WebForm
from .intake import link_close, link_reply, web_ticket_create
from .link import LinkExpired, ticket_from_token
from .phone import ticket_call_log

CUSTOMER_LANGUAGES = [code for code, _ in LANGUAGES]
RAW_MAIL_TYPES = {"message/rfc822"}
# The country field's first guess from the page's language; the customer changes it.
COUNTRY_HINT = {"en": "US", "es": "ES", "de": "DE", "pt": "BR", "ja": "JP"}


def _browser_language(request):
    asked = request.GET.get("lang") or translation.get_language_from_request(request)
    asked = (asked or "en").split("-")[0]
    return asked if asked in CUSTOMER_LANGUAGES else "en"


# ---- Web form ---------------------------------------------------------------------------------------------------


class _HourlyRate(PerAddressRate):
    """WEB_FORM_RATE_PER_HOUR web tickets (or chats: SCOPE) per client address and hour."""

    def __init__(self, scope):
        self.scope = scope
        super().__init__()

    def get_rate(self):
        return f"{settings.WEB_FORM_RATE_PER_HOUR}/hour"


def _throttled(request, what="webform"):
    """True when this address already started WEB_FORM_RATE_PER_HOUR web tickets (or chats) in the last hour."""
    return throttled(_HourlyRate(what), request) is not None


@require_http_methods(["GET", "POST"])
def web_form(request):
    language = request.POST.get("language") if request.method == "POST" else None
    language = language if language in CUSTOMER_LANGUAGES else _browser_language(request)
    with translation.override(language):
        if request.method == "GET":
            form = WebForm(initial={"language": language, "country": COUNTRY_HINT[language]})
            return render(request, "tickets/channels/web_form.html", {"form": form, "language": language})
        form = WebForm(request.POST, request.FILES)
        status = 400
        if _throttled(request):
            form.add_error(None, _("Too many requests from your network this hour. Please try again later."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                web_ticket_create(
                    name=data["name"],
                    email=data["email"],
                    country=data["country"],
                    language=data["language"],
                    subject=data["subject"],
                    message=data["message"],
                    files=data["attachments"],
                    shown=data["shown"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(f"{request.path}sent/?lang={data['language']}")
        return render(request, "tickets/channels/web_form.html", {"form": form, "language": language}, status=status)


@require_GET
def web_form_sent(request):
    language = _browser_language(request)
    with translation.override(language):
        return render(request, "tickets/channels/web_form_sent.html", {"language": language})


# ---- Ticket link ------------------------------------------------------------------------------------------------


def _link_ticket(request, token):
    """(ticket, None) for a good link, else (None, the 404/410 page)."""
    try:
        return ticket_from_token(token), None
    except LinkExpired:
        reason, status = "expired", 410
    except Ticket.DoesNotExist:
        reason, status = "invalid", 404
    with translation.override(_browser_language(request)):
        page = render(
            request,
            "tickets/channels/link_error.html",
            {"reason": reason, "language": translation.get_language()},
            status=status,
        )
    return None, page


def _link_page(request, ticket, form=None, status=200):
    context = {
        "ticket": ticket,
        "language": ticket.customer.language,
        "messages_shown": selectors.ticket_timeline(ticket).filter(kind__in=["customer_message", "reply"]),
        "attachments": ticket.attachments.all(),
        "form": form or LinkReplyForm(),
        "can_write": ticket.status != "closed",
        # The chat widget on this page talks on this very ticket, so every channel stays on one timeline.
        "chat_token": chat_token(ticket),
    }
    return render(request, "tickets/channels/link.html", context, status=status)


@require_GET
def ticket_link(request, token):
    ticket, error = _link_ticket(request, token)
    if error:
        return error
    with translation.override(ticket.customer.language):
        return _link_page(request, ticket)


@require_POST
def ticket_link_reply(request, token):
    ticket, error = _link_ticket(request, token)
    if error:
        return error
    with translation.override(ticket.customer.language):
        form = LinkReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                link_reply(ticket=ticket, message=form.cleaned_data["message"], files=form.cleaned_data["attachments"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you, your reply was added."))
                return redirect("ticket-link", token=token)
        return _link_page(request, ticket, form, status=400)


@require_POST
def ticket_link_close(request, token):
    ticket, error = _link_ticket(request, token)
    if error:
        return error
    with translation.override(ticket.customer.language):
        try:
            link_close(ticket=ticket)
        except ValidationError:
            messages.error(request, _("This ticket is already closed."))
        else:
            messages.success(request, _("Your ticket is closed. Thank you!"))
    return redirect("ticket-link", token=token)


# ---- Chat -------------------------------------------------------------------------------------------------------


def _chat_texts():
    return {
        "open": _("Chat with us"),
        "close": _("Close the chat"),
        "title": _("Chat with support"),
        "name": _("Your name"),
        "email": _("Your email address"),
        "message": _("Your message"),
        "start": _("Start chat"),
        "send": _("Send"),
        "you": _("You"),
        "agent": _("Support"),
        "waiting": _("Thank you! An agent who speaks your language will answer here shortly."),
        "error": _("Your message could not be sent. Please try again."),
        "suggested": _("These articles may answer your question"),
        "opens": _("(opens in a new tab)"),
    }


@require_GET
def chat_widget_script(request):
    """/chat/widget.js, the address of the embed tag: the static file (versioned by whitenoise) serves the code."""
    return redirect(static("tickets/chat-widget.js"))


@require_GET
def chat_page(request):
    """A customer page holding the widget, as a customer's own site would."""
    language = _browser_language(request)
    with translation.override(language):
        return render(request, "tickets/channels/chat_page.html", {"language": language})


def _json_body(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _form_errors(form):
    message = _("Please check your input.")
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    return JsonResponse(error_body("invalid", message, fields), status=400)


@require_http_methods(["GET", "POST"])
def chat_start_view(request):
    """GET: the widget's texts in the language asked for, and a CSRF token. POST (JSON): start the conversation."""
    language = _browser_language(request)
    if request.method == "GET":
        with translation.override(language):
            return JsonResponse({"csrf": get_token(request), "language": language, "texts": _chat_texts()})
    form = ChatStartForm(_json_body(request))
    if not form.is_valid():
        return _form_errors(form)
    if _throttled(request, "chat"):
        return JsonResponse(error_body("throttled", "Too many chats from your network this hour."), status=429)
    data = form.cleaned_data
    language = data["language"][:2] if data["language"][:2] in CUSTOMER_LANGUAGES else language
    ticket = chat_start(
        name=data["name"],
        email=data["email"],
        country=known_country(data["country"]),
        language=language,
        message=data["message"],
        shown=data["shown"],
    )
    return JsonResponse({"token": chat_token(ticket), "messages": chat_messages(ticket)}, status=201)


@require_http_methods(["GET", "POST"])
def chat_conversation(request, token):
    """GET ?after=<id>: the messages since then (the widget polls). POST (JSON) {"message"}: the customer says more."""
    try:
        ticket = chat_ticket(token)
    except Ticket.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        form = ChatSayForm(_json_body(request))
        if not form.is_valid():
            return _form_errors(form)
        try:
            chat_say(ticket=ticket, message=form.cleaned_data["message"])
        except ValidationError as exc:
            return JsonResponse(error_body("conflict", " ".join(exc.messages)), status=409)
    after = request.GET.get("after", "0")
    messages_since = chat_messages(ticket, after=int(after) if after.isdigit() else 0)
    return JsonResponse({"messages": messages_since, "open": ticket.status != "closed"})


# ---- Inbound email webhook --------------------------------------------------------------------------------------


def _webhook_allowed(request):
    """The shared secret in X-Meridian-Token, or an integration's API token (Authorization: Token <key>)."""
    secret = settings.INBOUND_EMAIL_TOKEN
    given = request.headers.get("X-Meridian-Token", "")
    if secret and given and hmac.compare_digest(given.encode(), secret.encode()):
        return True
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not key:
        return False
    token = Token.objects.select_related("user").filter(key=key.strip()).first()
    return token is not None and token.user.is_active and token.user.role == Role.INTEGRATION


@csrf_exempt  # a mail provider posts here with a token; no browser session is ever used
@require_POST
def inbound_email(request):
    if not _webhook_allowed(request):
        return JsonResponse(
            error_body("not_authenticated", "Send the inbound token or an integration token."), status=403
        )
    if request.content_type not in RAW_MAIL_TYPES:
        message = "Send the raw message as the body with Content-Type: message/rfc822."
        return JsonResponse(error_body("unsupported_media_type", message), status=415)
    outcome, ticket = mail_receive(raw=request.body, source="webhook")
    return JsonResponse({"outcome": outcome, "ticket": ticket.reference if ticket else None}, status=202)


# ---- Phone (agents) ---------------------------------------------------------------------------------------------


@workspace_view
@require_POST
def ticket_call(request, pk):
    ticket = selectors.ticket_get_for(request.user, pk)
    form = CallForm(request.POST, prefix="call")
    if form.is_valid():
        try:
            ticket_call_log(ticket=ticket, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "Call not logged: " + " ".join(exc.messages))
        else:
            messages.success(request, "Call logged.")
    else:
        errors = [f"{form.fields[f].label}: {e}" for f, errs in form.errors.items() for e in errs]
        messages.error(request, "Call not logged. " + " ".join(errors))
    return redirect("ticket", pk=ticket.pk)
