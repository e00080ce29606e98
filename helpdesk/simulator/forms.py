from django import forms

from .scenario import MAX_DAYS, ScenarioError, builtin_names, scenario_load, scenario_read

MAX_UPLOAD_BYTES = 256 * 1024


class SimulationForm(forms.Form):
    builtin = forms.ChoiceField(
        label="Built-in scenario",
        required=False,
        choices=[("", "None: I upload a file")] + [(name, name) for name in builtin_names()],
    )
    scenario_file = forms.FileField(
        label="Or a scenario file",
        required=False,
        help_text="YAML or JSON, as described in docs/simulator.md; at most 256 KB.",
    )
    days = forms.IntegerField(label="Simulated days", min_value=1, max_value=MAX_DAYS, initial=7)
    seed = forms.IntegerField(label="Seed", min_value=0, initial=1, help_text="The same seed gives the same report.")

    def clean(self):
        cleaned = super().clean()
        builtin, upload = cleaned.get("builtin"), cleaned.get("scenario_file")
        if bool(builtin) == bool(upload):
            self.add_error("builtin", "Pick a built-in scenario or upload a file: one of the two.")
            return cleaned
        field = "builtin" if builtin else "scenario_file"
        try:
            if upload and upload.size > MAX_UPLOAD_BYTES:
                raise ScenarioError("", "the file is larger than 256 KB")
            text = scenario_read(builtin) if builtin else upload.read().decode("utf-8")
            cleaned["scenario"] = scenario_load(text)
        except UnicodeDecodeError:
            self.add_error(field, "The file is not UTF-8 text; save it as YAML or JSON.")
        except ScenarioError as exc:
            self.add_error(field, f"The scenario cannot run: {exc}")
        return cleaned
