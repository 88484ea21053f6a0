/* Small behaviours shared by pages, as delegated listeners: the Content-Security-Policy runs no inline
   event handlers (onclick=…). */
(function () {
  "use strict";
  // <select data-tx-fill="body">: the chosen option's text goes into the form's field named "body".
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-tx-fill]");
    if (select && select.form && select.value) {
      select.form.elements[select.dataset.txFill].value = select.value;
    }
  });
  // <a data-tx-print>: print the page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-tx-print]");
    if (link) {
      event.preventDefault();
      window.print();
    }
  });
})();
