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

// On narrow screens tables are stacked rows (vern.css): each cell is labelled with its column's header,
// read from the table itself so the label never drifts from the header text.
function labelTableCells(root) {
  for (const table of root.querySelectorAll(".ds-table")) {
    if (table.closest(".vern-table-scroll")) continue;
    const headerRow = table.tHead?.rows[table.tHead.rows.length - 1];
    if (!headerRow) continue;
    const labels = [];
    for (const header of headerRow.cells) {
      for (let span = 0; span < header.colSpan; span++) labels.push(header.textContent.trim());
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const label = labels[column];
          if (label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
          column += cell.colSpan;
        }
      }
    }
  }
}
htmx.onLoad(labelTableCells);

// The menu is open in the markup (it works without JavaScript); on a narrow screen it starts collapsed,
// and on a wide one it is always open (its summary is hidden there).
const narrowScreen = window.matchMedia("(max-width: 47.99rem)");
function fitMenu() {
  for (const menu of document.querySelectorAll("[data-vern-menu]")) menu.open = !narrowScreen.matches;
}
document.addEventListener("DOMContentLoaded", fitMenu);
narrowScreen.addEventListener("change", fitMenu);
