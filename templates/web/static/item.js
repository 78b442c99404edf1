/* The item page's keys (a approve after a confirmation, n next item, e the editor), the editor's running totals
   and "Add to the editor". A convenience only: the server checks every row again and is the authority. */
(function () {
  "use strict";
  var form = document.getElementById("edit-form");

  // The account's decimal mark (templates/web/item_actions.html, from the locale by Babel): the one
  // the server reads a lone mark before three digits by; empty when the locale has none it knows.
  var decimalMark = form ? form.getAttribute("data-decimal") || "" : "";
  var AMBIGUOUS = "ambiguous", GROUPED = /^\d{1,3}(?:[.,]\d{3})+$/;

  /* A typed amount as bot/review/validate.py read_amount reads it: a number, null for no amount,
     or AMBIGUOUS for "1,234" when the account's locale does not say which it is (the server refuses). */
  function amount(text) {
    var t = (text || "").replace(/[\s\u00a0\u202f\u2009']+/g, "");
    if (!/^\d[\d.,]*$/.test(t) || !/\d$/.test(t)) return null;
    var marks = t.replace(/\d/g, ""), last = Math.max(t.lastIndexOf("."), t.lastIndexOf(","));
    if (!marks) return parseFloat(t);
    if (marks.indexOf(".") >= 0 && marks.indexOf(",") >= 0) {  // both: the last one is the decimal mark
      var mark = t[last], whole = t.slice(0, last);
      if (marks.split(mark).length !== 2 || !GROUPED.test(whole)) return null;
      return parseFloat(whole.replace(/[.,]/g, "") + "." + t.slice(last + 1));
    }
    if (marks.length > 1) return GROUPED.test(t) ? parseFloat(t.replace(/[.,]/g, "")) : null;  // groups only
    var w = t.slice(0, last), frac = t.slice(last + 1);
    if (frac.length === 3 && w.length <= 3 && w !== "0") {  // "1,234": a thousand, or a fraction?
      if (!decimalMark) return AMBIGUOUS;
      return t[last] === decimalMark ? parseFloat(w + "." + frac) : parseFloat(w + frac);
    }
    return parseFloat(w + "." + frac);
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
    rows().forEach(function (r, k) {
      var v = amount(r.a.value);
      if (v === AMBIGUOUS) {
        parts.push("row " + (k + 1) + " ambiguous: " + r.a.value.trim() + " (a thousand, or a fraction?)");
      }
      if (v === null || v === AMBIGUOUS) return;
      total += v;
      ["payment:" + r.p.value, "invoice:" + r.i.value].forEach(function (k) { used[k] = (used[k] || 0) + v; });
    });
    Object.keys(used).forEach(function (k) {
      if (k in left) parts.push(k.replace(":", " ") + " left " + (parseFloat(left[k]) - used[k]).toFixed(2));
    });
    var out = document.getElementById("edit-totals");
    out.textContent = "Total " + total.toFixed(2) + (parts.length ? "; " + parts.join("; ") : "");
    out.classList.toggle("over", parts.some(function (p) { return / left -| ambiguous:/.test(p); }));
  }

  /* Put a candidate in the first row that lacks its kind. The amount is filled (the smaller of the two
     balances) only once the row has both a payment and an invoice: a payment alone says nothing of
     how much goes to an invoice not yet chosen. */
  function add(kind, key) {
    var list = rows(), field = kind === "payment" ? "p" : "i";
    for (var k = 0; k < list.length; k++) {
      var r = list[k];
      if (r[field].value) continue;
      r[field].value = key;
      var left = JSON.parse(form.getAttribute("data-left") || "{}");
      var p = left["payment:" + r.p.value], i = left["invoice:" + r.i.value];
      if (r.p.value && r.i.value && p !== undefined && i !== undefined) {
        r.a.value = Math.max(0, Math.min(parseFloat(p), parseFloat(i))).toFixed(2);
      }
      update();
      (r.p.value && r.i.value ? r.a : r[field === "p" ? "i" : "p"]).focus();
      return;
    }
  }

  if (form) {
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("button.add-row").forEach(function (b) {
    b.addEventListener("click", function () { add(b.dataset.kind, b.dataset.key); });
  });
  // Keys act only when the focus is on nothing a key already means something to: a typed "a" in a
  // field, or on a link, a button or a folded section, must never approve.
  var INTERACTIVE = "input, textarea, select, button, a, summary, [contenteditable]:not([contenteditable=false])";

  function approveCount() {  // the proposal's allocation count, as the page states it
    var approve = document.getElementById("approve-button"), section = document.querySelector(".item-actions");
    var n = parseInt((approve && approve.dataset.allocations) || (section && section.dataset.allocations), 10);
    return n > 0 ? " (" + n + " allocation" + (n === 1 ? "" : "s") + ")" : "";
  }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (t && t.closest && (t.closest(INTERACTIVE) || t.isContentEditable)) return;
    if (e.key === "a") {  // moves money: asks first, every time
      var approve = document.getElementById("approve-button");
      if (!approve) return;
      e.preventDefault();
      if (window.confirm("Approve and apply the bot's proposal" + approveCount() + "?")) approve.click();
    } else if (e.key === "n") {
      var next = document.getElementById("next-item");
      if (next) { e.preventDefault(); window.location = next.href; }
    } else if (e.key === "e") {
      var first = document.getElementById("amount_1");
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
})();
