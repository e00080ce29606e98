from django import forms
from django.contrib.auth import get_user_model


class AcknowledgeForm(forms.Form):
    standup_held = forms.BooleanField(required=False, label="The stand-up was held")
    attendees = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people
        self.fields["attendees"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("attendees") and not cleaned.get("standup_held"):
            self.add_error("standup_held", "Attendees are recorded only for a stand-up that was held.")
        return cleaned
