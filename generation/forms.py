"""Forms of the Generate pages. Option checks live in options.py (shared with the API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImageSet, ImageSide, ProductKind, StyleModel
from .options import GENERATOR_WIDTHS, IMAGE_SIZES, VARIANT_CHOICES
from .products import PAPER_SIZES, POSTER_DPIS

OUTPUT_SIZES = [("", _("Keep the input size")), ("512", "512 px (long side)"), ("1024", "1024 px"),
                ("2048", "2048 px (tiled)"), ("4096", "4096 px (tiled, print)")]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [single(f, initial) for f in files if f]
        if self.required and not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return cleaned


class DomainForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"), help_text=_("e.g. Zhangzhou paper-cut"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description"))


class ImageSetForm(forms.Form):
    side = forms.ChoiceField(choices=ImageSide.choices, label=_("Domain"))
    name = forms.CharField(max_length=120, label=_("Name"))
    description = forms.CharField(required=False, label=_("Description"))


class UploadForm(forms.Form):
    files = MultipleFileField(label=_("Images or ZIP archives"),
                              help_text=_("PNG, JPEG, WEBP, TIFF, BMP or GIF; ZIPs are checked before extraction."))


class TrainingForm(forms.Form):
    image_set_a = forms.ModelChoiceField(queryset=ImageSet.objects.none(), label=_("Domain A (photos)"))
    image_set_b = forms.ModelChoiceField(queryset=ImageSet.objects.none(), label=_("Domain B (heritage art)"))
    variant = forms.ChoiceField(choices=VARIANT_CHOICES, label=_("Architecture"))
    image_size = forms.TypedChoiceField(choices=[(s, f"{s} px") for s in IMAGE_SIZES], coerce=int, initial=256,
                                        label=_("Training image size"))
    iterations = forms.IntegerField(min_value=1, max_value=1_000_000, initial=2000, label=_("Iterations"),
                                    help_text=_("At the full learning rate."))
    decay_iterations = forms.IntegerField(min_value=0, max_value=1_000_000, initial=2000,
                                          label=_("Decay iterations"), help_text=_("Learning rate falls linearly to 0."))
    batch_size = forms.IntegerField(min_value=1, max_value=64, initial=1, label=_("Batch size"))
    seed = forms.IntegerField(min_value=0, initial=0, label=_("Seed"))
    ngf = forms.TypedChoiceField(choices=[(w, str(w)) for w in reversed(GENERATOR_WIDTHS)], coerce=int,
                                 initial=64, label=_("Generator width (ngf)"),
                                 help_text=_("64 is the paper's model; 8 trains a tiny model for tests on a CPU."))

    def __init__(self, *args, domain, **kwargs):
        super().__init__(*args, **kwargs)
        sets = ImageSet.objects.filter(domain=domain)
        self.fields["image_set_a"].queryset = sets.filter(side=ImageSide.PHOTOS)
        self.fields["image_set_b"].queryset = sets.filter(side=ImageSide.ART)


class GenerateForm(forms.Form):
    style_model = forms.ModelChoiceField(queryset=StyleModel.objects.none(), label=_("Style model"))
    images = MultipleFileField(label=_("Images to stylise"))
    out_size = forms.ChoiceField(choices=OUTPUT_SIZES, required=False, label=_("Output size"))

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        models = StyleModel.objects.filter(institution=institution).select_related("domain")
        self.fields["style_model"].queryset = models
        defaults = [m.pk for m in models if m.domain.default_model_id == m.pk]
        self.fields["style_model"].initial = defaults[0] if defaults else None


class ProductForm(forms.Form):
    kind = forms.ChoiceField(choices=ProductKind.choices, label=_("Product"))
    paper = forms.ChoiceField(choices=[(p, p) for p in PAPER_SIZES], required=False, label=_("Paper (poster)"))
    dpi = forms.TypedChoiceField(choices=[(d, f"{d} DPI") for d in POSTER_DPIS], coerce=int, initial=300,
                                 required=False, label=_("Resolution (poster)"))
    title = forms.CharField(max_length=120, required=False, label=_("Title (poster)"))
    credit = forms.CharField(max_length=200, required=False, label=_("Credit line (poster)"))
    method = forms.ChoiceField(choices=[("blend", _("Offset and blend")), ("mirror", _("Mirror (kaleidoscope)"))],
                               required=False, label=_("Method (pattern)"))
    tile_px = forms.IntegerField(min_value=64, max_value=2048, initial=512, required=False, label=_("Tile px (pattern)"))
    border_px = forms.IntegerField(min_value=0, max_value=64, initial=8, required=False,
                                   label=_("White margin px (sticker)"))
    scale = forms.TypedChoiceField(choices=[(2, "×2"), (4, "×4")], coerce=int, required=False,
                                   label=_("Scale (magnified)"))

    def options(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "kind" and v not in (None, "")}
