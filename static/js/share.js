/* Glas: "Copy link" on an initiative's share area. Without this script (or without the
   Clipboard API) the button stays hidden and the link is still there to select and copy. */
(function () {
  "use strict";

  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }

  function say(region, message) {
    /* Emptied first, so that copying twice is announced twice. */
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 50);
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!field || !status) {
      return;
    }
    button.hidden = false;
    /* Selecting the whole link on focus makes copying it by hand one step, too. */
    field.addEventListener("focus", function () {
      field.select();
    });
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          say(status, button.getAttribute("data-copied"));
        },
        function () {
          field.focus();
          field.select();
          say(status, button.getAttribute("data-failed"));
        }
      );
    });
  });
})();
