// Webrana's only script of its own: a submitted form's button shows that
// the request is under way (Pico draws a spinner on aria-busy), so a slow
// answer never looks like a dead button, and a double click sends once.
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  if (!b || e.defaultPrevented) return;
  if (b.getAttribute("aria-busy") === "true") { e.preventDefault(); return; }
  setTimeout(function () { b.setAttribute("aria-busy", "true"); }, 0);
});
// Back/forward cache: a page shown again must not keep a busy button.
window.addEventListener("pageshow", function () {
  document.querySelectorAll('[aria-busy="true"]').forEach(function (b) { b.removeAttribute("aria-busy"); });
});
// A message in the page's alert area (an htmx request that failed) is
// cleared by the next request that succeeds.
document.addEventListener("htmx:afterSwap", function (e) {
  var alert = document.getElementById("htmx-alert");
  if (alert && e.detail.target !== alert) alert.replaceChildren();
});
