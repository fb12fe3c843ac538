"""Pages for partner agencies without an account, reached through signed links."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from siko.views_base import SikoPermissionMixin

from .links import invitation_for_token


class AnswerView(SikoPermissionMixin, View):
    public = True
    public_reason = "Partner answer through the signed link in their invitation mail"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = invitation_for_token(token)
        if invitation is None:
            return render(request, "conferences/partner/bad_link.html", status=404)
        return render(request, "conferences/partner/answer.html", {"invitation": invitation})

    def post(self, request: HttpRequest, token: str, *args: Any) -> HttpResponse:
        return self.get(request, token)
