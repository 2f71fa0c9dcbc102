// Vern's script bundle: Designsystemet's behaviours and htmx. No inline script anywhere (CSP).
import "@digdir/designsystemet-web";
import htmx from "htmx.org";

window.htmx = htmx;

// Buttons that print the page (the person's access report); no inline script under the CSP.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-vern-print]")) window.print();
});

// Move focus to the error summary so screen-reader users hear what went wrong.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
