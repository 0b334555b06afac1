// The comparison table's sort arrows (dash_table) are spans that a keyboard cannot reach: give each
// a tab stop, a button's role and name, and Enter or Space to sort, as a button has. The table
// takes Tab for moving between its cells, so on an arrow Tab is kept from it (caught first, on the
// window) and moves the focus on, as everywhere else.
(function () {
  function enable() {
    document.querySelectorAll(".dash-spreadsheet .column-header--sort:not([tabindex])").forEach(function (arrow) {
      var header = arrow.closest("th");
      arrow.setAttribute("tabindex", "0");
      arrow.setAttribute("role", "button");
      arrow.setAttribute("aria-label", "Sort by " + (header ? header.innerText.trim() : "this column"));
    });
  }
  window.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target.classList && target.classList.contains("column-header--sort"))) {
      return;
    }
    if (event.key === "Tab") {
      event.stopPropagation();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.stopPropagation();
      target.click();
    }
  }, true);
  new MutationObserver(enable).observe(document.documentElement, {childList: true, subtree: true});
})();
