// Rekisteri's only script of its own (htmx aside): keyboard moves in search
// results. Every page works without it.
"use strict";
document.addEventListener("keydown", function (event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  var results = document.querySelectorAll("#results a.hit");
  if (results.length === 0) return;
  var input = document.getElementById("q");
  var items = Array.prototype.slice.call(results);
  var index = items.indexOf(document.activeElement);
  if (document.activeElement !== input && index === -1) return;
  event.preventDefault();
  if (event.key === "ArrowDown") {
    (items[index + 1] || items[0]).focus();
  } else if (index <= 0) {
    if (input) input.focus();
  } else {
    items[index - 1].focus();
  }
});
