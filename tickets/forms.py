"""Browser forms of the agent's workspace: they validate input; the services in tickets.services do the work."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from regions.models import Tier

from .models import STATUSES_AFTER_REPLY, Channel, Priority, Status, Ticket
from .selectors import QUEUE_VIEWS

TAG_PATTERN = re.compile(r"^[a-z0-9_-]{1,40}$")
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _blank(label):
    return [("", label)]


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(choices=list(QUEUE_VIEWS.items()), required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=_blank("Any status") + Status.choices, required=False)
    priority = forms.ChoiceField(choices=_blank("Any priority") + Priority.choices, required=False)
    tier = forms.TypedChoiceField(choices=_blank("Any tier") + Tier.choices, coerce=int, required=False)
    channel = forms.ChoiceField(choices=_blank("Any channel") + Channel.choices, required=False)
    sla_due_within = forms.IntegerField(label="SLA due within (min)", min_value=1, max_value=100_000, required=False)
    missing_next_action = forms.BooleanField(label="No Next Action", required=False)
    language = forms.ChoiceField(choices=_blank("Any language"), required=False)
    q = forms.CharField(
        label="Search tickets",
        max_length=200,
        required=False,
        help_text="A reference (MER-123), words of the subject, or a customer's full email address.",
        widget=forms.TextInput(attrs={"size": 40, "aria-describedby": "id_q-help"}),
    )

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _blank("Any language") + [(code, code) for code in languages]

    def filters(self):
        """The valid filters as keyword arguments of selectors.ticket_queue (invalid ones are left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in ("status", "priority", "tier", "channel", "sla_due_within", "language")
            if data.get(name) not in (None, "")
        } | {"missing_next_action": bool(data.get("missing_next_action")), "q": (data.get("q") or "").strip()}


class BulkForm(forms.Form):
    ACTIONS = [("assign", "Assign"), ("status", "Set status"), ("priority", "Set priority"), ("tag", "Add tag")]

    action = forms.ChoiceField(choices=ACTIONS)
    tickets = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(),
        error_messages={"required": "Select at least one ticket first."},
    )
    assignee = forms.ChoiceField(label="Assign to", required=False)
    status = forms.ChoiceField(label="Status", choices=_blank("Status…") + Status.choices, required=False)
    priority = forms.ChoiceField(label="Priority", choices=_blank("Priority…") + Priority.choices, required=False)
    tag = forms.CharField(label="Tag", max_length=40, required=False)

    def __init__(self, *args, user, scope, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["tickets"].queryset = scope
        self.agents = {str(a.user_id): a.user for a in agents}
        choices = _blank("Agent…") + ([("me", "Me")] if getattr(user, "agent", None) else [])
        choices += [(pk, str(u.get_full_name() or u.username)) for pk, u in self.agents.items() if u != user]
        self.fields["assignee"].choices = choices

    def clean_tag(self):
        tag = self.cleaned_data["tag"].strip().lower()
        if tag and not TAG_PATTERN.match(tag):
            raise ValidationError("Use lower-case letters, digits, - and _ only.")
        return tag

    def clean(self):
        data = super().clean()
        action = data.get("action")
        field = {"assign": "assignee", "status": "status", "priority": "priority", "tag": "tag"}.get(action)
        if field and not data.get(field):
            self.add_error(field, f"Choose what to {dict(self.ACTIONS)[action].lower()} first.")
        return data

    def value(self):
        action = self.cleaned_data["action"]
        if action == "assign":
            key = self.cleaned_data["assignee"]
            return self.user if key == "me" else self.agents[key]
        return self.cleaned_data[{"status": "status", "priority": "priority", "tag": "tag"}[action]]


class ReplyForm(forms.Form):
    KINDS = [("reply", "Send reply"), ("note", "Add internal note")]

    body = forms.CharField(
        label="Reply or internal note",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Markdown: **bold**, _italic_, `code`, lists"}),
        error_messages={"required": "Write something before sending."},
    )
    kind = forms.ChoiceField(choices=KINDS, initial="reply")
    status = forms.ChoiceField(
        label="Then set status",
        required=False,
        choices=[("", "Keep the status")] + [(s.value, s.label) for s in STATUSES_AFTER_REPLY],
    )
    urgent = forms.BooleanField(
        label="Urgent note",
        required=False,
        help_text="Its @mentions of people off shift go to a lead on shift now instead of waiting.",
    )

    def clean(self):
        data = super().clean()
        if data.get("urgent") and data.get("kind") == "reply":
            self.add_error("urgent", "Only an internal note can be urgent: untick it, or add the text as a note.")
        return data


class SideConversationForm(forms.Form):
    target = forms.ChoiceField(label="Ask", help_text="A team, or every team of a region.")
    subject = forms.CharField(label="Subject", max_length=200, help_text="What you need, in one line.")
    body = forms.CharField(
        label="Question",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown. Only agents see side conversations; the customer never does.",
    )

    def __init__(self, *args, teams, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {f"team-{t.pk}": ("team", t) for t in teams} | {f"region-{r.pk}": ("region", r) for r in regions}
        self.fields["target"].choices = [
            ("", "Choose a team or region…"),
            ("Teams", [(f"team-{t.pk}", f"{t.name} · {t.region.name}") for t in teams]),
            ("Regions (every team there)", [(f"region-{r.pk}", r.name) for r in regions]),
        ]

    def chosen(self):
        """{"team": Team} or {"region": Region}: the keyword argument of side_conversation_start."""
        kind, target = self.targets[self.cleaned_data["target"]]
        return {kind: target}


class SideReplyForm(forms.Form):
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "Write a message."}
    )


class SideCloseForm(forms.Form):
    resolution = forms.CharField(
        label="Resolution",
        max_length=2000,
        help_text="What came of it; kept on the ticket's timeline.",
        error_messages={"required": "Say what came of it before closing."},
    )


class NextActionForm(forms.Form):
    text = forms.CharField(
        label="Next Action",
        max_length=500,
        required=False,
        help_text="What whoever picks this up next should do. Leave empty and save to clear it.",
    )
    due_at = forms.DateTimeField(
        label="Due by (optional)",
        required=False,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at is not None and due_at <= timezone.now():
            raise ValidationError("Pick a time in the future.")
        return due_at

    def clean(self):
        data = super().clean()
        if data.get("due_at") and not (data.get("text") or "").strip():
            self.add_error("text", "A due time needs a Next Action to go with it.")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status")

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(s.value, s.label) for s in Status if ticket.can_transition_to(s)]
        self.fields["status"].choices = _blank(f"{ticket.get_status_display()} → …") + allowed if allowed else []


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices)


class AssigneeForm(forms.Form):
    assignee = forms.ChoiceField(label="Assignee", required=False)

    def __init__(self, *args, user, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.agents = {str(u.pk): u for u in users}
        choices = [("", "Unassigned (team queue)")]
        if getattr(user, "agent", None):
            choices.append(("me", "Me"))
        choices += [(pk, str(u.get_full_name() or u.username)) for pk, u in self.agents.items()]
        self.fields["assignee"].choices = choices

    def chosen_user(self):
        key = self.cleaned_data["assignee"]
        if not key:
            return None
        return self.user if key == "me" else self.agents[key]


class TagsForm(forms.Form):
    tags = forms.CharField(label="Tags", required=False, help_text="Comma separated, e.g. billing, refund")

    def clean_tags(self):
        names = [n.strip().lower() for n in self.cleaned_data["tags"].split(",") if n.strip()]
        bad = [n for n in names if not TAG_PATTERN.match(n)]
        if bad:
            raise ValidationError(
                "Tags are single words of lower-case letters, digits, - and _: fix %(bad)s.",
                params={"bad": ", ".join(bad)},
            )
        return names


class EscalationForm(forms.Form):
    critical = forms.BooleanField(label="Critical escalation", required=False)
    outage = forms.BooleanField(label="Related to an ongoing outage", required=False)


class PresenceForm(forms.Form):
    typing = forms.BooleanField(required=False)


def add_service_errors(form, exc):
    """Put a service's ValidationError on FORM: on its field when the form has one, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
