// After django-otp-webauthn registered a passkey, go on to the page the button names
// (the second factor page with the recovery codes). Served from static: the CSP allows no inline script.
document.addEventListener("otp_webauthn.register_complete", function (event) {
  var button = event.target.closest("[data-after-register]");
  if (button) {
    window.location.assign(button.getAttribute("data-after-register"));
  }
});
