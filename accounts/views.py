"""Pages for the institution: switching, members, API tokens, audit trail."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext as _

from . import selectors, services
from .forms import ApiTokenForm, MemberAddForm, RoleForm
from .models import ApiToken, Membership, Role
from .tenancy import SESSION_KEY, owned_or_404, require_capability


@require_POST
def switch_institution(request):
    if not request.user.is_authenticated:
        return redirect("login")
    wanted = request.POST.get("institution_id")
    membership = selectors.memberships_of_user(user=request.user).filter(institution_id=wanted).first()
    if membership is None:
        raise Http404("You are not a member of that institution.")
    request.session[SESSION_KEY] = membership.institution_id
    messages.info(request, _("Now working in %(institution)s.") % {"institution": membership.institution.name})
    return redirect(request.POST.get("next") or "home")


@require_capability("manage_members")
def members(request):
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = get_user_model().objects.filter(username=data["username"]).first()
        try:
            if user is None:
                services.user_create_with_membership(
                    institution=request.institution, username=data["username"],
                    password=data["password"], role=data["role"], actor=request.user)
            else:
                services.membership_set(institution=request.institution, user=user, role=data["role"],
                                        actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(user)s is now %(role)s.") % {"user": data["username"], "role": data["role"]})
            return redirect("accounts:members")
    return render(request, "accounts/members.html", {
        "form": form, "members": selectors.members_of(institution=request.institution),
        "role_choices": Role.choices})


@require_POST
@require_capability("manage_members")
def member_update(request, pk):
    membership = owned_or_404(Membership.objects.select_related("user"), request.institution, pk=pk)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=membership, actor=request.user)
            messages.success(request, _("%(user)s removed.") % {"user": membership.user})
        else:
            form = RoleForm(request.POST)
            if form.is_valid():
                services.membership_set(institution=request.institution, user=membership.user,
                                        role=form.cleaned_data["role"], actor=request.user)
                messages.success(request, _("%(user)s is now %(role)s.") % {"user": membership.user,
                                                                     "role": form.cleaned_data["role"]})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:members")
member_update.tenant_model = Membership


@require_capability("manage_members")
def api_tokens(request):
    form = ApiTokenForm(request.POST or None, institution=request.institution)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = services.api_token_create(
            institution=request.institution, user=data["user"], name=data["name"], scopes=data["scopes"],
            days_valid=data["days_valid"], rate_limit_per_minute=data["rate_limit_per_minute"],
            actor=request.user)
        form = ApiTokenForm(institution=request.institution)
    return render(request, "accounts/api_tokens.html", {
        "form": form, "issued": issued, "tokens": selectors.api_tokens_of(institution=request.institution)})


@require_POST
@require_capability("manage_members")
def api_token_revoke(request, pk):
    token = owned_or_404(ApiToken.objects.all(), request.institution, pk=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("accounts:api_tokens")
api_token_revoke.tenant_model = ApiToken


@require_capability("manage_members")
def audit_log(request):
    return render(request, "accounts/audit.html",
                  {"events": selectors.audit_events_of(institution=request.institution, limit=300)})
