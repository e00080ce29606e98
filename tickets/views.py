"""The agent's workspace in the browser: queue, ticket page, notifications.

Views are thin: check permission, validate with a form, call the service, render. Every ticket read goes
through tickets.selectors, so a ticket outside the viewer's scope is a 404 here exactly as in the API.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.access import workspace_view
from compliance.masking import mask_customer, viewer_for
from compliance.models import PiiField, PiiReveal
from compliance.services import pii_reveal as pii_reveal_service
from regions.selectors import agent_for

from . import collaboration, selectors, services
from .forms import (
    AssigneeForm,
    BulkForm,
    EscalationForm,
    NextActionForm,
    PresenceForm,
    PriorityForm,
    QueueFilterForm,
    ReplyForm,
    SideCloseForm,
    SideConversationForm,
    SideReplyForm,
    StatusForm,
    TagsForm,
    add_service_errors,
)
from .models import Customer, Priority, Status

PAGE_SIZE = 50

EMPTY_VIEWS = {
    "mine": "No open tickets are assigned to you. Tickets routed or assigned to you land here; "
    "take one from “Unassigned” or “My team”.",
    "mentioned": "No open ticket mentions you or your team. When a colleague writes @your-username or "
    "@your-team-code in an internal note, the ticket appears here.",
    "team": "Your team has no open tickets. New tickets routed to your team will appear here.",
    "unassigned": "Every open ticket you may see has an assignee. Tickets waiting in a team queue appear here.",
    "region": "Your region has no open tickets. Tickets owned by any team in your region appear here.",
    "all": "There are no tickets in the tiers you work on yet.",
}


# Queue


def _default_view(user):
    return "mine" if agent_for(user) else "all"


def _queue_context(request, now):
    user = request.user
    form = QueueFilterForm(request.GET or None, languages=selectors.queue_languages())
    filters = form.filters()
    view = request.GET.get("view")
    if view not in selectors.QUEUE_VIEWS:
        view = "all" if filters["q"] else _default_view(user)
    tickets = selectors.ticket_queue(user, view=view, now=now, **filters).prefetch_related(None)  # rows show no tags
    filtered = any(filters.values())
    counts = selectors.queue_counts(user, listed=tickets if filtered else None)
    paginator = Paginator(tickets, PAGE_SIZE)
    paginator.count = min(counts["listed" if filtered else view], selectors.QUEUE_COUNT_CAP)  # no uncapped COUNT
    page = paginator.get_page(request.GET.get("page"))
    if filters["q"]:
        empty_text = (
            f"No ticket in “{selectors.QUEUE_VIEWS[view]}” matches “{filters['q']}”. Search finds a reference "
            "(MER-123), words of the subject, or a customer's full email address, written out completely."
        )
    else:
        empty_text = "No tickets match these filters." if filtered else EMPTY_VIEWS[view]
    return {
        "form": form,
        "view": view,
        "view_label": selectors.QUEUE_VIEWS[view],
        "tabs": [(key, label, counts[key]) for key, label in selectors.QUEUE_VIEWS.items()],
        "more": counts["listed" if filtered else view] > selectors.QUEUE_COUNT_CAP,
        "page_obj": page,
        "now": now,
        "filtered": filtered,
        "empty_text": empty_text,
    }


@workspace_view
@require_GET
def queue(request):
    now = timezone.now()
    context = _queue_context(request, now)
    context["bulk"] = BulkForm(
        prefix="bulk",
        user=request.user,
        scope=selectors.ticket_scope(request.user),
        agents=selectors.assignable_agents(request.user),
    )
    return render(request, "tickets/queue.html", context)


@workspace_view
@require_GET
def queue_rows(request):
    """The polled part of the queue: the same rows partial as the page, plus the tab counts."""
    return render(request, "tickets/queue_rows.html", _queue_context(request, timezone.now()))


def _back_to_queue(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith(
        reverse("queue")
    ):
        return redirect(target)
    return redirect("queue")


@workspace_view
@require_POST
def queue_bulk(request):
    form = BulkForm(
        request.POST,
        prefix="bulk",
        user=request.user,
        scope=selectors.ticket_scope(request.user),
        agents=selectors.assignable_agents(request.user),
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label and field != "tickets" else error)
        return _back_to_queue(request)
    tickets = list(form.cleaned_data["tickets"].order_by("pk"))
    try:
        done, errors = services.tickets_bulk_update(
            tickets=tickets, action=form.cleaned_data["action"], value=form.value(), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return _back_to_queue(request)
    references = {t.pk: t.reference for t in tickets}
    if done:
        messages.success(request, f"Updated {len(done)} ticket{'s' if len(done) != 1 else ''}.")
    for pk, error in errors.items():
        messages.error(request, f"{references[pk]} not changed: {error}")
    return _back_to_queue(request)


# Ticket page


def _live_version(ticket, now, last_event_id=None):
    """Changes when anything the live fragment shows changes (the minute keeps countdowns current)."""
    return "-".join(
        str(part)
        for part in (
            int(ticket.updated_at.timestamp() * 1000),
            ticket.sla_state,
            last_event_id or selectors.ticket_last_event_id(ticket) or 0,
            int(now.timestamp() // 60),
        )
    )


def _live_context(request, ticket, now, next_action_form=None):
    timeline = list(selectors.ticket_timeline(ticket))[::-1]
    return {
        "ticket": ticket,
        "now": now,
        "timeline": timeline,
        "side_threads": selectors.side_conversation_threads(timeline),
        # the newest event is in the timeline just read: no second query for its id
        "live_version": _live_version(ticket, now, max((e.pk for e in timeline), default=0)),
        "next_action_form": next_action_form or _next_action_form(ticket),
    }


def _next_action_form(ticket, data=None):
    return NextActionForm(data, prefix="na", initial={"text": ticket.next_action, "due_at": ticket.next_action_due_at})


def _assignee_users(ticket):
    """The team's agents, plus the current assignee when they are not one of them."""
    users = [agent.user for agent in selectors.ticket_assignee_choices(ticket)]
    if ticket.assignee is not None and ticket.assignee not in users:
        users.append(ticket.assignee)
    return users


def _ticket_page(request, ticket, bound=None, status=200):
    """Render the ticket page; BOUND holds the submitted form that failed, shown with its errors."""
    bound = bound or {}
    now = timezone.now()
    user = request.user
    context = _live_context(request, ticket, now, bound.get("next_action"))
    context.update(
        {
            "reply_form": bound.get("reply") or ReplyForm(prefix="reply"),
            "status_form": bound.get("status") or StatusForm(prefix="status", ticket=ticket),
            "priority_form": bound.get("priority")
            or PriorityForm(prefix="priority", initial={"priority": ticket.priority}),
            "assignee_form": bound.get("assignee")
            or AssigneeForm(
                prefix="assignee",
                user=user,
                users=_assignee_users(ticket),
                initial={"assignee": str(ticket.assignee_id) if ticket.assignee_id else ""},
            ),
            "tags_form": bound.get("tags")
            or TagsForm(prefix="tags", initial={"tags": ", ".join(t.name for t in ticket.tags.all())}),
            "escalation_form": bound.get("escalation")
            or EscalationForm(prefix="flags", initial={"critical": ticket.is_critical, "outage": ticket.is_outage}),
            "can_assign_to_me": getattr(user, "agent", None) is not None and ticket.assignee_id != user.pk,
            "macros": selectors.macro_list_for(ticket),
            "other_tickets": selectors.customer_other_tickets(ticket, user),
            "side_threads": _with_forms(context["side_threads"], bound.get("side")),
        }
    )
    return render(request, "tickets/ticket.html", context, status=status)


def _with_forms(threads, bound=None):
    """The ticket's side conversations with a reply and a close form each; BOUND: (conversation id, failed form)."""
    for thread in threads:
        prefix = f"side-{thread['id']}"
        thread["reply_form"] = SideReplyForm(prefix=prefix)
        thread["close_form"] = SideCloseForm(prefix=prefix)
        if bound and bound[0] == thread["id"]:
            thread["reply_form" if isinstance(bound[1], SideReplyForm) else "close_form"] = bound[1]
    return threads


@workspace_view
@require_GET
def ticket_detail(request, pk):
    return _ticket_page(request, selectors.ticket_get_for(request.user, pk))


@workspace_view
@require_GET
def ticket_live(request, pk):
    """Header, Next Action and timeline, polled by every open ticket page; 204 while nothing changed."""
    ticket = selectors.ticket_get_for(request.user, pk)
    now = timezone.now()
    if request.GET.get("v") == _live_version(ticket, now):
        return HttpResponse(status=204)
    return render(request, "tickets/ticket_live.html", _live_context(request, ticket, now))


def _ticket_write(request, pk, key, make_form, apply, success):
    """The shape of every write on the ticket page: validate, call the service, redirect or show errors."""
    ticket = selectors.ticket_get_for(request.user, pk)
    form = make_form(ticket)
    if form.is_valid():
        try:
            apply(ticket, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success(form) if callable(success) else success)
            return redirect("ticket", pk=ticket.pk)
    return _ticket_page(request, ticket, bound={key: form}, status=400)


def _reply_sent(form):
    said = "Internal note added" if form.cleaned_data["kind"] == "note" else "Reply sent"
    status = form.cleaned_data["status"]
    return f"{said}; the ticket is now {Status(status).label.lower()}." if status else f"{said}."


@workspace_view
@require_POST
def ticket_reply(request, pk):
    def apply(ticket, form):
        services.ticket_reply(
            ticket=ticket,
            body=form.cleaned_data["body"],
            actor=request.user,
            internal=form.cleaned_data["kind"] == "note",
            urgent=form.cleaned_data["urgent"],
            status=form.cleaned_data["status"] or None,
        )

    return _ticket_write(
        request,
        pk,
        "reply",
        lambda t: ReplyForm(request.POST, prefix="reply"),
        apply,
        _reply_sent,
    )


@workspace_view
@require_POST
def ticket_next_action(request, pk):
    def apply(ticket, form):
        services.ticket_set_next_action(
            ticket=ticket, text=form.cleaned_data["text"], due_at=form.cleaned_data["due_at"], actor=request.user
        )

    return _ticket_write(
        request,
        pk,
        "next_action",
        lambda t: _next_action_form(t, request.POST),
        apply,
        lambda f: "Next Action saved." if f.cleaned_data["text"].strip() else "Next Action cleared.",
    )


@workspace_view
@require_POST
def ticket_status(request, pk):
    def apply(ticket, form):
        services.ticket_set_status(ticket=ticket, status=form.cleaned_data["status"], actor=request.user)

    return _ticket_write(
        request,
        pk,
        "status",
        lambda t: StatusForm(request.POST, prefix="status", ticket=t),
        apply,
        lambda f: f"Status changed to {Status(f.cleaned_data['status']).label}.",
    )


@workspace_view
@require_POST
def ticket_priority(request, pk):
    def apply(ticket, form):
        services.ticket_set_priority(ticket=ticket, priority=form.cleaned_data["priority"], actor=request.user)

    return _ticket_write(
        request,
        pk,
        "priority",
        lambda t: PriorityForm(request.POST, prefix="priority"),
        apply,
        lambda f: f"Priority set to {Priority(f.cleaned_data['priority']).label}.",
    )


@workspace_view
@require_POST
def ticket_assignee(request, pk):
    def apply(ticket, form):
        services.ticket_assign(ticket=ticket, assignee=form.chosen_user(), actor=request.user)

    def success(form):
        assignee = form.chosen_user()
        if assignee is None:
            return "Ticket is back in the team queue."
        return "Assigned to you." if assignee == request.user else f"Assigned to {assignee.get_full_name()}."

    return _ticket_write(
        request,
        pk,
        "assignee",
        lambda t: AssigneeForm(
            request.POST,
            prefix="assignee",
            user=request.user,
            users=_assignee_users(t),
        ),
        apply,
        success,
    )


@workspace_view
@require_POST
def ticket_tags(request, pk):
    def apply(ticket, form):
        services.ticket_set_tags(ticket=ticket, tags=form.cleaned_data["tags"], actor=request.user)

    return _ticket_write(request, pk, "tags", lambda t: TagsForm(request.POST, prefix="tags"), apply, "Tags saved.")


@workspace_view
@require_POST
def ticket_escalation(request, pk):
    def apply(ticket, form):
        services.ticket_set_escalation(
            ticket=ticket,
            critical=form.cleaned_data["critical"],
            outage=form.cleaned_data["outage"],
            actor=request.user,
        )

    return _ticket_write(
        request,
        pk,
        "escalation",
        lambda t: EscalationForm(request.POST, prefix="flags"),
        apply,
        "Escalation flags saved.",
    )


@workspace_view
@require_POST
def ticket_presence(request, pk):
    """Collision detection: record that the viewer has the ticket open; answer with who else has."""
    ticket = selectors.ticket_get_for(request.user, pk)
    form = PresenceForm(request.POST)
    typing = form.cleaned_data["typing"] if form.is_valid() else False
    now = timezone.now()
    services.ticket_viewer_ping(ticket=ticket, user=request.user, typing=typing, at=now)
    viewers = selectors.ticket_viewers(ticket, request.user, now)
    return render(request, "tickets/_viewers.html", {"viewers": viewers})


@workspace_view
@require_GET
def ticket_macro(request, pk):
    """The composer's text area filled with a macro for this ticket (kept text first, macro after)."""
    ticket = selectors.ticket_get_for(request.user, pk)
    body = request.GET.get("reply-body", "")
    macro_id = request.GET.get("macro", "")
    if macro_id.isdigit():
        macro = get_object_or_404(selectors.macro_list_for(ticket), pk=int(macro_id))
        # Someone who sees the customer's name masked keeps the {customer_name} placeholder: it is filled when
        # the reply is sent, so the customer gets their name and the agent never sees it.
        name_readable = not mask_customer(viewer_for(request.user), ticket.customer, "name").is_masked
        text = selectors.macro_text(macro, ticket=ticket, agent=request.user, with_customer=name_readable)
        body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    form = ReplyForm(initial={"body": body}, prefix="reply")
    return render(request, "tickets/_composer_body.html", {"reply_form": form})


# Mentions and side conversations


@workspace_view
@require_GET
def ticket_mention_suggestions(request, pk):
    """The composer's @ autocomplete: people and teams whose name starts with ?q= (JSON)."""
    selectors.ticket_get_for(request.user, pk)
    prefix = request.GET.get("q", "")[:60]
    return JsonResponse({"results": selectors.mention_suggestions(prefix)})


def _side_form(data=None):
    teams, regions = selectors.side_conversation_targets()
    return SideConversationForm(data, prefix="side", teams=teams, regions=regions)


@workspace_view
@require_http_methods(["GET", "POST"])
def ticket_side_conversation_new(request, pk):
    """Start a side conversation: ask another team or a region about this ticket."""
    ticket = selectors.ticket_get_for(request.user, pk)
    form = _side_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = collaboration.side_conversation_start(
                ticket=ticket,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                actor=request.user,
                **form.chosen(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Side conversation with {conversation.target_label} started.")
            return redirect(f"{reverse('ticket', args=[ticket.pk])}#side-conversation-{conversation.pk}")
    status = 400 if form.is_bound else 200
    return render(request, "tickets/side_conversation_new.html", {"ticket": ticket, "form": form}, status=status)


def _side_write(request, pk, conversation_pk, form_class, apply, success):
    ticket = selectors.ticket_get_for(request.user, pk)
    conversation = selectors.side_conversation_get_for(ticket, conversation_pk)
    form = form_class(request.POST, prefix=f"side-{conversation.pk}")
    if form.is_valid():
        try:
            apply(conversation, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(f"{reverse('ticket', args=[ticket.pk])}#side-conversation-{conversation.pk}")
    return _ticket_page(request, ticket, bound={"side": (conversation.pk, form)}, status=400)


@workspace_view
@require_POST
def ticket_side_conversation_reply(request, pk, conversation_pk):
    def apply(conversation, form):
        collaboration.side_conversation_reply(
            conversation=conversation, body=form.cleaned_data["body"], actor=request.user
        )

    return _side_write(request, pk, conversation_pk, SideReplyForm, apply, "Message sent in the side conversation.")


@workspace_view
@require_POST
def ticket_side_conversation_close(request, pk, conversation_pk):
    def apply(conversation, form):
        collaboration.side_conversation_close(
            conversation=conversation, resolution=form.cleaned_data["resolution"], actor=request.user
        )

    return _side_write(request, pk, conversation_pk, SideCloseForm, apply, "Side conversation closed.")


@workspace_view
@require_GET
def side_conversations(request):
    """Open side conversations the user may see, those asking their team or region first."""
    page = Paginator(selectors.side_conversation_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/side_conversations.html", {"page_obj": page, "now": timezone.now()})


# Notifications


@workspace_view
@require_GET
def notifications(request):
    now = timezone.now()
    page = Paginator(selectors.notification_list(request.user, now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/notifications.html", {"page_obj": page, "now": now})


@workspace_view
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(selectors.notification_list(request.user, timezone.now()), pk=pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    if request.POST.get("open") and notification.ticket_id:
        return redirect("ticket", pk=notification.ticket_id)
    return redirect("notifications")


@workspace_view
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications")


# Personal data


def _back(request):
    """The page the reveal form was on (a path on this site), else the queue."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("queue")


@workspace_view
@require_POST
def pii_reveal(request):
    """Show one masked field of a customer unmasked for a while, for a stated reason (audited).

    The customer must be on a ticket the user may see, else 404 as for the ticket itself.
    """
    customer_id, field = request.POST.get("customer", ""), request.POST.get("field", "")
    if not customer_id.isdigit() or field not in PiiField.values:
        raise Http404
    if not selectors.ticket_scope(request.user).filter(customer_id=int(customer_id)).exists():
        raise Http404
    field, zone = PiiField(field), get_object_or_404(Customer, pk=int(customer_id)).residency_zone
    reason = request.POST.get("reason", "")
    limit = PiiReveal._meta.get_field("reason").max_length
    if len(reason.strip()) > limit:
        messages.error(request, f"Nothing was revealed: keep the reason under {limit} characters.")
        return _back(request)
    try:
        reveal = pii_reveal_service(
            user=request.user,
            customer_id=int(customer_id),
            field=field,
            reason=reason,
            customer_zone=zone,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, f"Nothing was revealed: {' '.join(exc.messages)}")
    except PermissionDenied as exc:
        messages.error(request, f"Nothing was revealed: {exc}")
    else:
        until = timezone.localtime(reveal.expires_at)
        messages.success(
            request,
            f"{field.label} revealed until {until:%H:%M} ({timezone.get_current_timezone_name()}). "
            "Your reason is recorded in the audit log.",
        )
    return _back(request)
