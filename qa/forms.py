"""Browser forms of QA: they validate input; the services do the work."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model

from compliance.models import Role

from .metrics import DIMENSIONS
from .models import Criterion, DisputeStatus, QaSettings


class ScorecardForm(forms.Form):
    """One point and one comment per criterion of RUBRIC, and a summary."""

    summary = forms.CharField(label="Summary for the agent", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, rubric, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(rubric.criteria.all())
        initial_scores = initial_scores or {}
        for c in self.criteria:
            point, comment = initial_scores.get(c.pk, (None, ""))
            self.fields[f"c{c.pk}_point"] = forms.TypedChoiceField(
                label=c.name,
                choices=[(n, f"{n} – {text}") for n, text in c.points],
                coerce=int,
                widget=forms.RadioSelect,
                initial=point,
            )
            self.fields[f"c{c.pk}_comment"] = forms.CharField(
                label=f"Comment on {c.name}",
                required=False,
                initial=comment,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """[(criterion, point field, comment field)] for the template."""
        return [(c, self[f"c{c.pk}_point"], self[f"c{c.pk}_comment"]) for c in self.criteria]

    def scores(self):
        data = self.cleaned_data
        return {c.pk: (data[f"c{c.pk}_point"], data[f"c{c.pk}_comment"]) for c in self.criteria}


class DisputeForm(forms.Form):
    reason = forms.CharField(label="What did the review get wrong?", widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(ScorecardForm):
    status = forms.ChoiceField(
        label="Decision",
        choices=[
            (DisputeStatus.UPHELD, DisputeStatus.UPHELD.label),
            (DisputeStatus.REVISED, DisputeStatus.REVISED.label),
        ],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(label="Explanation for the agent", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["summary"]
        for c in self.criteria:
            self.fields[f"c{c.pk}_point"].required = False


class RubricForm(forms.Form):
    name = forms.CharField(max_length=120)


class CriterionForm(forms.ModelForm):
    point_descriptions = forms.CharField(
        label="What each point means (one line per point, from 1 up)", widget=forms.Textarea(attrs={"rows": 4})
    )
    preview = forms.IntegerField(
        label="Preview point",
        required=False,
        min_value=1,
        max_value=10,
        help_text="Not saved: try a score and watch the weighted total.",
    )

    class Meta:
        model = Criterion
        fields = ["name", "weight", "scale", "point_descriptions", "auto_fail"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["point_descriptions"] = "\n".join(self.instance.point_descriptions)
        self.fields["weight"].widget.attrs["data-weight"] = ""
        self.fields["scale"].widget.attrs["data-scale"] = ""
        self.fields["auto_fail"].widget.attrs["data-auto-fail"] = ""
        self.fields["preview"].widget.attrs["data-preview"] = ""

    def clean_point_descriptions(self):
        return [line.strip() for line in self.cleaned_data["point_descriptions"].splitlines() if line.strip()]

    def clean(self):
        data = super().clean()
        scale, lines = data.get("scale"), data.get("point_descriptions")
        if scale and lines is not None and len(lines) != scale:
            self.add_error("point_descriptions", f"Describe each of the {scale} points: one line each.")
        return data

    def values(self):
        return {k: self.cleaned_data[k] for k in ("name", "weight", "scale", "point_descriptions", "auto_fail")}


CriterionFormSet = forms.formset_factory(CriterionForm, extra=1, can_delete=True, max_num=20)


class NewDraftForm(forms.Form):
    market = forms.ModelChoiceField(queryset=None, empty_label=None)

    def __init__(self, *args, markets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = markets


class SessionForm(forms.Form):
    name = forms.CharField(max_length=120)
    tickets = forms.CharField(
        label="Tickets (references, comma-separated)",
        help_text="e.g. MER-12, MER-40: tickets you may see.",
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple, help_text="At least two."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reviewers = get_user_model().objects.filter(groups__name__in=[Role.LEAD.label, Role.ADMIN.label])
        self.fields["reviewers"].queryset = reviewers.distinct().order_by("username")
        self.fields["reviewers"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"

    def clean_tickets(self):
        from tickets.models import Ticket

        refs = [r.strip() for r in self.cleaned_data["tickets"].split(",") if r.strip()]
        pks = [Ticket.pk_from_reference(r) for r in refs]
        if not pks or None in pks:
            raise forms.ValidationError("Give ticket references such as MER-12, separated by commas.")
        return pks


class MetricsFilterForm(forms.Form):
    dimension = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False, label="Compare by")
    week = forms.DateField(required=False, label="Week (any day of it)", widget=forms.DateInput(attrs={"type": "date"}))

    def values(self, default_week):
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        week = data.get("week") or default_week.date()
        start = dt.datetime.combine(week - dt.timedelta(days=week.weekday()), dt.time(), tzinfo=dt.UTC)
        return data.get("dimension") or "vendor", start


class TrendsFilterForm(forms.Form):
    """The trends page and the ticket list behind one of its cells: a week, and optionally a region and a market
    among those the viewer may see (REGIONS: [(code, name)]; MARKETS: [(code, name)])."""

    week = forms.DateField(required=False, label="Week (any day of it)", widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ChoiceField(required=False, label="Region")
    market = forms.ChoiceField(required=False, label="Market")

    def __init__(self, *args, regions=(), markets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Every region")] + list(regions)
        self.fields["market"].choices = [("", "Every market")] + list(markets)

    def week_start(self, default_week):
        week = self.cleaned_data.get("week") or default_week.date()
        return dt.datetime.combine(week - dt.timedelta(days=week.weekday()), dt.time(), tzinfo=dt.UTC)


class TrendCellForm(TrendsFilterForm):
    """One cell: a region, a market, and a tag or a category."""

    tag = forms.SlugField(required=False, max_length=40)
    category = forms.SlugField(required=False, max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = self.fields["market"].required = True

    def clean(self):
        data = super().clean()
        if bool(data.get("tag")) == bool(data.get("category")):
            raise forms.ValidationError("Give either a tag or a category.")
        return data


class WeightsForm(forms.ModelForm):
    class Meta:
        model = QaSettings
        fields = [
            "weight_qa",
            "weight_csat",
            "weight_fcr",
            "weight_sla",
            "weight_speed",
            "aht_target_minutes",
            "sample_per_agent",
            "sample_extra",
            "new_agent_days",
            "low_score_below",
        ]


class FollowUpForm(forms.Form):
    note = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect)
    nps = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, required=False, empty_value=None)
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, survey, texts, **kwargs):
        super().__init__(*args, **kwargs)
        kind = survey.kind
        self.fields["score"].choices = [(n, str(n)) for n in range(1, survey.scale_max + 1)]
        self.fields["score"].label = texts[kind]
        self.fields["score"].error_messages["required"] = texts["required"]
        self.low, self.high = texts[f"{kind}_low"], texts[f"{kind}_high"]
        self.nps_low, self.nps_high = texts["nps_low"], texts["nps_high"]
        self.fields["comment"].label = texts["comment"]
        if survey.asks_nps:
            self.fields["nps"].choices = [(n, str(n)) for n in range(11)]
            self.fields["nps"].label = texts["nps"]
        else:
            del self.fields["nps"]
