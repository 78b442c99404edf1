/* The item page's keys (a approve, n next item, e the editor), the editor's running totals and
   "Add to the editor". A convenience only: the server checks every row again and is the authority. */
(function () {
  "use strict";
  var form = document.getElementById("edit-form");

  function amount(text) {  // the same reading as bot/review/validate.py, without the locale case
    var t = (text || "").replace(/[\s\u00a0\u202f\u2009']/g, "");
    if (!/^\d[\d.,]*$/.test(t) || !/\d$/.test(t)) return null;
    var last = Math.max(t.lastIndexOf("."), t.lastIndexOf(","));
    if (last < 0) return parseFloat(t);
    var mark = t[last], other = mark === "," ? "." : ",";
    if (t.indexOf(other) >= 0 || t.split(mark).length > 2) {
      return parseFloat(t.slice(0, last).split(/[.,]/).join("") + "." + t.slice(last + 1));
    }
    return parseFloat(t.replace(mark, "."));
  }

  function rows() {
    var out = [];
    for (var n = 1; form && form.elements["amount_" + n]; n++) {
      out.push({p: form.elements["payment_" + n], i: form.elements["invoice_" + n], a: form.elements["amount_" + n]});
    }
    return out;
  }

  function update() {
    if (!form) return;
    var left = JSON.parse(form.getAttribute("data-left") || "{}"), total = 0, used = {}, parts = [];
    rows().forEach(function (r) {
      var v = amount(r.a.value);
      if (v === null) return;
      total += v;
      ["payment:" + r.p.value, "invoice:" + r.i.value].forEach(function (k) { used[k] = (used[k] || 0) + v; });
    });
    Object.keys(used).forEach(function (k) {
      if (k in left) parts.push(k.replace(":", " ") + " left " + (parseFloat(left[k]) - used[k]).toFixed(2));
    });
    var out = document.getElementById("edit-totals");
    out.textContent = "Total " + total.toFixed(2) + (parts.length ? "; " + parts.join("; ") : "");
    out.classList.toggle("over", parts.some(function (p) { return / left -/.test(p); }));
  }

  function add(kind, key, leftText) {
    var list = rows(), field = kind === "payment" ? "p" : "i";
    for (var k = 0; k < list.length; k++) {
      if (!list[k][field].value) {
        list[k][field].value = key;
        var left = JSON.parse(form.getAttribute("data-left") || "{}");
        var p = left["payment:" + list[k].p.value], i = left["invoice:" + list[k].i.value];
        list[k].a.value = p && i ? Math.min(parseFloat(p), parseFloat(i)).toFixed(2) : leftText;
        update();
        list[k].a.focus();
        return;
      }
    }
  }

  if (form) {
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("button.add-row").forEach(function (b) {
    b.addEventListener("click", function () { add(b.dataset.kind, b.dataset.key, b.dataset.left); });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target, tag = t && t.tagName;
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (e.key === "a") {
      var approve = document.getElementById("approve-button");
      if (approve) { e.preventDefault(); approve.click(); }
    } else if (e.key === "n") {
      var next = document.getElementById("next-item");
      if (next) { e.preventDefault(); window.location = next.href; }
    } else if (e.key === "e") {
      var first = document.getElementById("amount_1");
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
})();
