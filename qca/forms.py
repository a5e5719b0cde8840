"""Forms of the Learn pages. Validation of the data itself lives in the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CalibrationMethod, Expectation, Strategy

EXPECTATION_CHOICES = Expectation.choices


class UploadStudyForm(forms.Form):
    name = forms.CharField(max_length=200)
    file = forms.FileField(help_text=_("CSV or XLSX: a header row, an optional 'case' and 'label' column, "
                                       "then one numeric column per variable."))
    outcome_column = forms.CharField(max_length=100, required=False,
                                     help_text=_("The outcome's column (default: the last one)."))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class VideoStudyForm(forms.Form):
    name = forms.CharField(max_length=200)
    as_of = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Codes decided and metrics captured on or before this date."))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CalibrationForm(forms.Form):
    label = forms.CharField(max_length=200)
    method = forms.ChoiceField(choices=CalibrationMethod.choices)
    e = forms.FloatField(required=False, label=_("Full exclusion (e)"))
    c = forms.FloatField(required=False, label=_("Crossover (c)"))
    i = forms.FloatField(required=False, label=_("Full inclusion (i)"))
    threshold = forms.FloatField(required=False, label=_("Crisp threshold (value ≥ threshold is in the set)"))
    expectation = forms.ChoiceField(choices=EXPECTATION_CHOICES, label=_("Directional expectation"))

    def anchors(self) -> dict:
        keys = {"direct": ("e", "c", "i"), "crisp": ("threshold",), "as_is": ()}[self.cleaned_data["method"]]
        return {k: self.cleaned_data.get(k) for k in keys}


class AnalysisForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    outcome = forms.ChoiceField()
    negate_outcome = forms.BooleanField(required=False, label=_("Explain the negated outcome (~Y)"))
    conditions = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    incl_cut = forms.FloatField(initial=0.8, min_value=0.0, max_value=1.0, label=_("Consistency cut-off (incl)"))
    n_cut = forms.IntegerField(initial=1, min_value=1, label=_("Frequency cut-off (n)"))
    pri_cut = forms.FloatField(initial=0.5, min_value=0.0, max_value=1.0, label=_("PRI cut-off"))

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        conditions = list(study.conditions.all())
        choices = [(c.column, c.label) for c in conditions]
        self.fields["outcome"].choices = choices
        self.fields["outcome"].initial = study.outcome_column
        self.fields["conditions"].choices = [ch for ch in choices if ch[0] != study.outcome_column]
        self.expectation_fields = []
        for condition in conditions:
            name = f"exp_{condition.column}"
            self.fields[name] = forms.ChoiceField(choices=EXPECTATION_CHOICES, initial=condition.expectation,
                                                  label=f"Expectation: {condition.label}", required=False)
            self.expectation_fields.append(name)

    def dir_exps(self) -> dict:
        return {c: self.cleaned_data.get(f"exp_{c}") or "none" for c in self.cleaned_data["conditions"]}


class RecommendationForm(forms.Form):
    title = forms.CharField(max_length=300, required=False, label=_("Planned video (working title)"))
    # The picked video (`video:<id>` / `planned:<id>`) whose codes pre-filled the form; the view
    # resolves it within the institution.
    pick = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, result, picked=None, **kwargs):
        super().__init__(*args, **kwargs)
        if picked is not None:
            self.fields["pick"].initial = picked.token
            self.fields["title"].initial = picked.title
        study = result.analysis.study
        columns = {c["name"]: c for c in study.data["columns"]}
        conditions = {c.column: c for c in study.conditions.all()}
        self.code_fields = []
        for column in result.analysis.conditions:
            spec, condition = columns.get(column, {}), conditions.get(column)
            label = condition.label if condition else column
            levels = spec.get("levels") or {}
            if levels:
                field = forms.TypedChoiceField(choices=[(k, v) for k, v in sorted(levels.items())], coerce=float,
                                               label=label)
            else:
                unit = spec.get("unit") or ""
                field = forms.FloatField(label=f"{label}{f' ({unit})' if unit else ''}")
            if picked is not None and column in picked.codes:
                value = picked.codes[column]
                field.initial = (f"{value:g}" if levels else value)
            self.fields[f"code_{column}"] = field
            self.code_fields.append(f"code_{column}")

    def codes(self) -> dict:
        return {name[len("code_"):]: self.cleaned_data[name] for name in self.code_fields}


class PickVideoForm(forms.Form):
    pick = forms.ChoiceField(label=_("Existing video"), help_text=_("Its codes pre-fill the form below."))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pick"].choices = choices


class TypologyRuleForm(forms.Form):
    name = forms.CharField(max_length=200)
    strategy = forms.ChoiceField(choices=[c for c in Strategy.choices if c[0] != Strategy.UNCLASSIFIED])
    present = forms.CharField(required=False, help_text=_("Variable keys required present, comma-separated."))
    absent = forms.CharField(required=False, help_text=_("Variable keys required absent, comma-separated."))
    priority = forms.IntegerField(min_value=0, initial=10)
    active = forms.BooleanField(required=False, initial=True)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    @staticmethod
    def keys(text: str) -> list[str]:
        return [k.strip() for k in (text or "").split(",") if k.strip()]


class RerunForm(forms.Form):
    as_of = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Re-run as of"))
