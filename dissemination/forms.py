"""Forms of the Disseminate pages (every field labelled; validation turns input into ids)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import HarvestKind, VariableKind, VariableSource
from .youtube.urls import InvalidYouTubeReference, parse_youtube_ref


class AddVideosForm(forms.Form):
    references = forms.CharField(
        label=_("Video URLs or ids"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: any YouTube URL form (watch, youtu.be, Shorts, embed) or an 11-character id."))

    def clean_references(self):
        ids, shorts, errors = [], [], []
        for number, line in enumerate(self.cleaned_data["references"].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                ref = parse_youtube_ref(line)
            except InvalidYouTubeReference as exc:
                errors.append(f"line {number}: {exc}")
                continue
            if ref.kind != "video":
                errors.append(f"line {number}: this is a {ref.kind}; use the channel or playlist form")
                continue
            ids.append(ref.value)
            if ref.is_short:
                shorts.append(ref.value)
        if errors:
            raise ValidationError(errors)
        if not ids:
            raise ValidationError(_("Paste at least one video URL or id."))
        return {"video_ids": list(dict.fromkeys(ids)), "short_ids": shorts}


class AddChannelForm(forms.Form):
    channel = forms.CharField(label=_("Channel URL, @handle or channel id"),
                              help_text=_("All its uploads are added through the uploads playlist (1 unit per 50)."))

    def clean_channel(self):
        try:
            ref = parse_youtube_ref(self.cleaned_data["channel"])
        except InvalidYouTubeReference as exc:
            raise ValidationError(str(exc)) from None
        if ref.kind not in ("channel", "handle", "user", "custom"):
            raise ValidationError(f"This is a {ref.kind}, not a channel.")
        return {"channel_ref": {"kind": ref.kind, "value": ref.value}}


class AddPlaylistForm(forms.Form):
    playlist = forms.CharField(label=_("Playlist URL or id"))

    def clean_playlist(self):
        try:
            ref = parse_youtube_ref(self.cleaned_data["playlist"])
        except InvalidYouTubeReference as exc:
            raise ValidationError(str(exc)) from None
        playlist_id = ref.value if ref.kind == "playlist" else ref.playlist_id
        if not playlist_id:
            raise ValidationError(_("No playlist in this URL."))
        return {"playlist_id": playlist_id}


class SearchForm(forms.Form):
    query = forms.CharField(label=_("Keywords"), max_length=200)
    published_after = forms.DateField(label=_("Published after"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    published_before = forms.DateField(label=_("Published before"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.CharField(label=_("Region (ISO code, e.g. US)"), max_length=2, required=False)
    language = forms.CharField(label=_("Relevance language (e.g. en)"), max_length=8, required=False)
    min_views = forms.IntegerField(label=_("Minimum views"), min_value=0, required=False, initial=1_000_000,
                                   help_text=_("The paper kept videos with more than 1 million views."))
    max_results = forms.IntegerField(label=_("Maximum results"), min_value=1, max_value=500, initial=50,
                                     help_text=_("Search costs 100 quota units per page of 50."))
    order = forms.ChoiceField(label=_("Order"), choices=[("relevance", _("Relevance")), ("viewCount", _("Views")),
                                                      ("date", _("Date"))], initial="relevance")

    def parameters(self) -> dict:
        data = self.cleaned_data
        return {"query": data["query"], "min_views": data["min_views"], "max_results": data["max_results"],
                "order": data["order"], "region": data["region"].upper(), "language": data["language"],
                "published_after": data["published_after"].isoformat() if data["published_after"] else None,
                "published_before": data["published_before"].isoformat() if data["published_before"] else None}


ADD_FORMS = {
    HarvestKind.VIDEOS: AddVideosForm, HarvestKind.CHANNEL: AddChannelForm, HarvestKind.PLAYLIST: AddPlaylistForm,
    HarvestKind.SEARCH: SearchForm,
}


class VideoFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("tracked", _("Tracked")), ("unavailable", _("Unavailable")), ("untracked", _("Not tracked"))])
    source = forms.ChoiceField(label=_("Added by"), required=False)
    min_views = forms.IntegerField(label=_("Minimum views"), required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        from .models import VideoSource

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("Any")), *VideoSource.choices]


class AssignForm(forms.Form):
    coders = forms.MultipleChoiceField(label=_("Coders (choose two for double coding)"),
                                       widget=forms.CheckboxSelectMultiple)
    count = forms.IntegerField(label=_("Number of videos not yet assigned"), min_value=1, max_value=1000, initial=20)

    def __init__(self, *args, coders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coders"].choices = [(str(u.pk), u.username) for u in coders]


class VariableForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=64, help_text=_("Column name in exports and studies."))
    label = forms.CharField(label=_("Label"), max_length=200)
    dimension = forms.CharField(label=_("Dimension"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=VariableKind.choices)
    source = forms.ChoiceField(label=_("Source"), choices=VariableSource.choices)
    expectation = forms.ChoiceField(label=_("Directional expectation (QCA)"),
                                    choices=[("none", _("None")), ("present", _("Present")), ("absent", _("Absent"))])
    unit = forms.CharField(label=_("Unit"), max_length=64, required=False)
    levels = forms.CharField(label=_("Levels"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("One per line: value = label (e.g. 0 = Statement). Empty for continuous."))
    instructions = forms.CharField(label=_("Coding instructions"), widget=forms.Textarea(attrs={"rows": 5}))

    def clean_levels(self):
        levels = []
        for line in self.cleaned_data["levels"].splitlines():
            if not line.strip():
                continue
            value, sep, label = line.partition("=")
            if not sep:
                raise ValidationError(f"{line!r}: write value = label.")
            levels.append({"value": value.strip(), "label": label.strip()})
        return levels


class ImportForm(forms.Form):
    what = forms.ChoiceField(label=_("What the file holds"), choices=[("videos", _("Videos (YouTube Data Tools columns)")),
                                                                     ("codings", _("Codings (videoId, coder, keys)"))])
    file = forms.FileField(label=_("CSV or XLSX file"))
