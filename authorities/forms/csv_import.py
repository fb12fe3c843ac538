"""The two forms of every CSV import (upload → preview → confirm): the partner directory's,
the staff accounts' and the cooperation structures'."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.csv_io import MAX_BYTES


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV-Datei"),
        help_text=gettext_lazy("UTF-8, Trennzeichen Semikolon oder Komma, höchstens 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", gettext_lazy("Vorschau anzeigen")))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Die Datei ist zu groß (höchstens 2 MB). Bitte teilen Sie sie auf.")
            )
        return upload


class CsvConfirmForm(forms.Form):
    """The preview's button; the token carries the file's text, signed (see CsvImportView)."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("confirm", gettext_lazy("Import bestätigen")))
