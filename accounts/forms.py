from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Role, TokenScope


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, help_text=_("An existing user, or a new one if a password is given."))
    password = forms.CharField(widget=forms.PasswordInput, required=False,
                               help_text=_("Only for a new user."))
    role = forms.ChoiceField(choices=Role.choices)

    def clean(self):
        data = super().clean()
        exists = get_user_model().objects.filter(username=data.get("username")).exists()
        if not exists and not data.get("password"):
            raise forms.ValidationError(_("No such user: give a password to create one."))
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(),
                                  help_text=_("The member the token acts as."))
    scopes = forms.MultipleChoiceField(choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple,
                                       initial=[TokenScope.READ])
    days_valid = forms.IntegerField(min_value=1, max_value=730, initial=90)
    rate_limit_per_minute = forms.IntegerField(min_value=1, max_value=100_000, initial=600)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(
            memberships__institution=institution
        ).order_by("username")
