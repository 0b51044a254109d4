// Behaviour that would otherwise be inline handlers, which the Content-Security-Policy
// refuses (docs/security.md): a <select data-autosubmit> submits its form when changed.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
