"""Forms of the Campaigns pages. Every field has a label; the services validate the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from generation.models import CreativeProduct, JobStatus, ProductKind, StyleModel
from qca.models import Configuration, Result

from .models import CampaignStrategy, PlannedVideo


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    target_regions = forms.CharField(required=False, label=_("Target regions"),
                                     help_text=_("ISO region codes, comma-separated (e.g. CN, US, GB)."))
    target_languages = forms.CharField(required=False, label=_("Target languages"),
                                       help_text=_("Language tags, comma-separated (e.g. zh-Hans, en)."))
    strategy = forms.ChoiceField(choices=CampaignStrategy.choices, label=_("Content strategy"))
    evidence_result = forms.ModelChoiceField(queryset=Result.objects.none(), required=False,
                                             label=_("QCA evidence: result"))
    evidence_configuration = forms.ModelChoiceField(queryset=Configuration.objects.none(), required=False,
                                                    label=_("QCA evidence: configuration followed"))

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_result"].queryset = Result.objects.filter(institution=institution) \
            .select_related("analysis__study")
        self.fields["evidence_result"].label_from_instance = lambda r: f"{r.analysis} ({r.analysis.study})"
        self.fields["evidence_configuration"].queryset = Configuration.objects.filter(institution=institution) \
            .select_related("result")
        self.fields["evidence_configuration"].label_from_instance = \
            lambda c: _("result %(result)s · %(term)s (%(strategy)s)") % {
                "result": c.result_id, "term": c.term, "strategy": c.get_strategy_display()}


class PlannedVideoForm(forms.Form):
    """Title and notes, then one number field per condition of the evidence analysis."""

    title = forms.CharField(max_length=300, label=_("Working title"))
    planned_on = forms.DateField(required=False, label=_("Planned publication"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}))

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
                field = forms.FloatField(label=condition.label, help_text=_("Raw value of %(column)s.") % {"column": condition.column})
            self.fields[name] = field
            self.code_fields.append((name, condition.column))

    def codes(self) -> dict:
        return {column: self.cleaned_data[name] for name, column in self.code_fields}


class LinkVideoForm(forms.Form):
    youtube = forms.CharField(label=_("Published video (YouTube URL or id)"), max_length=300)


class ProductsForm(forms.Form):
    products = forms.ModelMultipleChoiceField(queryset=CreativeProduct.objects.none(), required=False,
                                              label=_("Creative products made for this campaign"),
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = CreativeProduct.objects.filter(
            institution=institution, status=JobStatus.DONE).select_related("source")


class GrantForm(forms.Form):
    token = forms.ModelChoiceField(queryset=ApiToken.objects.none(), label=_("Limit this API token to the campaign"))

    def __init__(self, *args, tokens, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].queryset = tokens


class ReportForm(forms.Form):
    starts_on = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))


class ProductRequestForm(forms.Form):
    """Order a creative product for the campaign: a photo, the style model (the institution's default
    preselected) and the kind of product; optionally for one of its planned videos."""

    planned_video = forms.ModelChoiceField(queryset=PlannedVideo.objects.none(), required=False,
                                           label=_("For the planned video"), empty_label=_("The whole campaign"))
    photo = forms.FileField(label=_("Photo to stylise"),
                            help_text=_("PNG, JPEG or WEBP; it is stylised, then made into the product."))
    style_model = forms.ModelChoiceField(queryset=StyleModel.objects.none(), label=_("Style model"))
    kind = forms.ChoiceField(choices=ProductKind.choices, label=_("Product"))
    out_size = forms.TypedChoiceField(
        coerce=int, initial=512, label=_("Size of the stylised image"),
        choices=[(256, _("256 px (long side)")), (512, _("512 px")), (1024, _("1024 px")), (2048, _("2048 px (tiled)"))])

    def __init__(self, *args, campaign, default_model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_video"].queryset = PlannedVideo.objects.filter(campaign=campaign)
        self.fields["style_model"].queryset = StyleModel.objects.filter(
            institution=campaign.institution).select_related("domain")
        if default_model is not None:
            self.fields["style_model"].initial = default_model.pk
