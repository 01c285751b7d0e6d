// Lab form: choosing a test proposes its unit when the unit is still empty or was proposed.
(function () {
  var code = document.getElementById("f-code");
  var unit = document.getElementById("f-unit");
  if (!code || !unit) return;
  var proposed = unit.value;
  code.addEventListener("change", function () {
    var opt = code.options[code.selectedIndex];
    var u = opt ? opt.getAttribute("data-unit") || "" : "";
    if (unit.value === "" || unit.value === proposed) { unit.value = u; proposed = u; }
  });
})();
