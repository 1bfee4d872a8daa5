/* Glas: small progressive enhancements of forms. Every form works without this script. */
(function () {
  "use strict";

  /* After a failed submit the page comes back with an error summary: take keyboard and
     screen-reader users straight to it (it has tabindex="-1" so that it can take focus). */
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) {
      summary.focus();
    }
  }

  /* A live count of characters for a field with a limit. The words come from the server in
     the page's language (data-counter, with {used} for the number); the limit itself is
     always stated in the field's hint, so this is only a convenience. */
  function addCounter(input) {
    var words = input.getAttribute("data-counter");
    var limit = parseInt(input.getAttribute("maxlength"), 10);
    var shown = document.createElement("p");
    var spoken = document.createElement("p");
    var timer = null;
    shown.className = "field__counter";
    shown.setAttribute("aria-hidden", "true");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);

    function text() {
      return words.replace("{used}", String(input.value.length));
    }
    function update() {
      shown.textContent = text();
      shown.classList.toggle("field__counter--full", input.value.length >= limit);
      /* Screen readers hear the count when the typing pauses, not at every keystroke. */
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        spoken.textContent = text();
      }, 1000);
    }
    shown.textContent = text();
    input.addEventListener("input", update);
  }

  focusErrorSummary();
  /* A form sent to an address with a #fragment lands on it after this script ran, and the
     browser drops focus back to the page then: take it to the summary again. */
  window.addEventListener("load", function () {
    if (!document.activeElement || document.activeElement === document.body) {
      focusErrorSummary();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-counter][maxlength]"), addCounter);
})();
