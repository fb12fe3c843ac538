"""The language of a request ends with it: after an English request the process speaks
German again (LocaleMiddleware alone would leave English active in the thread)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation


@pytest.mark.django_db
def test_after_an_english_request_a_command_answers_in_german(client: Client) -> None:
    html = client.get(reverse("login"), headers={"accept-language": "en"}).content.decode()

    assert '<html lang="en">' in html
    assert translation.get_language() == "de"
    with pytest.raises(CommandError, match="„kein-at-zeichen“ ist keine gültige E-Mail-Adresse."):
        call_command("personal_data", "--email", "kein-at-zeichen", "--erase")


@pytest.mark.django_db
def test_the_language_active_before_the_request_comes_back(client: Client) -> None:
    with translation.override("en"):
        html = client.get(reverse("login"), headers={"accept-language": "de"}).content.decode()

        assert '<html lang="de">' in html
        assert translation.get_language() == "en"
    assert translation.get_language() == "de"
