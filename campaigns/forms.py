"""Forms of the Campaigns pages. Every field has a label; the services validate the rest."""

from django import forms

from accounts.models import ApiToken
from generation.models import CreativeProduct, JobStatus
from qca.models import Configuration, Result

from .models import CampaignStrategy


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))
    target_regions = forms.CharField(required=False, label="Target regions",
                                     help_text="ISO region codes, comma-separated (e.g. CN, US, GB).")
    target_languages = forms.CharField(required=False, label="Target languages",
                                       help_text="Language tags, comma-separated (e.g. zh-Hans, en).")
    strategy = forms.ChoiceField(choices=CampaignStrategy.choices, label="Content strategy")
    evidence_result = forms.ModelChoiceField(queryset=Result.objects.none(), required=False,
                                             label="QCA evidence: result")
    evidence_configuration = forms.ModelChoiceField(queryset=Configuration.objects.none(), required=False,
                                                    label="QCA evidence: configuration followed")

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_result"].queryset = Result.objects.filter(institution=institution) \
            .select_related("analysis__study")
        self.fields["evidence_result"].label_from_instance = lambda r: f"{r.analysis} ({r.analysis.study})"
        self.fields["evidence_configuration"].queryset = Configuration.objects.filter(institution=institution) \
            .select_related("result")
        self.fields["evidence_configuration"].label_from_instance = \
            lambda c: f"result {c.result_id} · {c.term} ({c.get_strategy_display()})"


class PlannedVideoForm(forms.Form):
    """Title and notes, then one number field per condition of the evidence analysis."""

    title = forms.CharField(max_length=300, label="Working title")
    planned_on = forms.DateField(required=False, label="Planned publication",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.code_fields = []
        for condition in conditions:
            name = f"code_{condition.column}"
            levels = condition.level_labels or {}
            if levels:
                field = forms.TypedChoiceField(coerce=float, label=condition.label,
                                               choices=[(k, f"{k}: {v}") for k, v in levels.items()])
            else:
                field = forms.FloatField(label=condition.label, help_text=f"Raw value of {condition.column}.")
            self.fields[name] = field
            self.code_fields.append((name, condition.column))

    def codes(self) -> dict:
        return {column: self.cleaned_data[name] for name, column in self.code_fields}


class LinkVideoForm(forms.Form):
    youtube = forms.CharField(label="Published video (YouTube URL or id)", max_length=300)


class ProductsForm(forms.Form):
    products = forms.ModelMultipleChoiceField(queryset=CreativeProduct.objects.none(), required=False,
                                              label="Creative products made for this campaign",
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = CreativeProduct.objects.filter(
            institution=institution, status=JobStatus.DONE).select_related("source")


class GrantForm(forms.Form):
    token = forms.ModelChoiceField(queryset=ApiToken.objects.none(), label="Limit this API token to the campaign")

    def __init__(self, *args, tokens, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].queryset = tokens


class ReportForm(forms.Form):
    starts_on = forms.DateField(label="Period from", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Period to", widget=forms.DateInput(attrs={"type": "date"}))
