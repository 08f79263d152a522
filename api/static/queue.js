// The queue page: it follows changes by itself (a change token polled from the database, so any
// service process answers), keeps the filings chosen for export, and the reviewer's saved filters.
"use strict";

(function () {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const queue = $("#queue");
  if (!queue) return;

  // ---------------------------------------------------------------------------- chosen filings
  // Kept for the tab's session, so that a choice survives paging, sorting and live updates.

  const PICKED_KEY = "queue-picked";
  const picked = new Set(JSON.parse(sessionStorage.getItem(PICKED_KEY) || "[]"));
  const exportXlsx = $("#export-xlsx");
  const exportCsv = $("#export-csv");
  const clearPicked = $("#clear-picked");

  function savePicked() {
    sessionStorage.setItem(PICKED_KEY, JSON.stringify(Array.from(picked)));
  }

  function showPicked() {
    const boxes = $$(".pick-one");
    for (const box of boxes) box.checked = picked.has(box.value);
    const all = $("#pick-all");
    if (all) {
      const on = boxes.filter((b) => b.checked).length;
      all.checked = boxes.length > 0 && on === boxes.length;
      all.indeterminate = on > 0 && on < boxes.length;
    }
    const count = picked.size;
    $("#picked-count").textContent = count ? `已选 ${count} 项申报` : "未选择申报";
    const query = Array.from(picked).sort().map((id) => "id=" + encodeURIComponent(id)).join("&");
    for (const [link, path] of [[exportXlsx, "summary.xlsx"], [exportCsv, "summary.csv"]]) {
      if (count) {
        link.href = `/api/selection/${path}?${query}`;
        link.setAttribute("aria-disabled", "false");
      } else {
        link.removeAttribute("href");
        link.setAttribute("aria-disabled", "true");
      }
    }
    clearPicked.disabled = !count;
  }

  queue.addEventListener("change", (event) => {
    const box = event.target;
    if (box.classList.contains("pick-one")) {
      if (box.checked) picked.add(box.value);
      else picked.delete(box.value);
    } else if (box.id === "pick-all") {
      for (const one of $$(".pick-one")) {
        if (box.checked) picked.add(one.value);
        else picked.delete(one.value);
      }
    } else {
      return;
    }
    savePicked();
    showPicked();
  });
  clearPicked.addEventListener("click", () => {
    picked.clear();
    savePicked();
    showPicked();
  });
  showPicked();

  // ---------------------------------------------------------------------------- saved filters
  // In this browser's localStorage, per user: a view of one's own, no one else's business, and
  // nothing for the server to keep or migrate.

  const SAVED_KEY = `queue-filters:${queue.dataset.user || ""}`;
  const savedSelect = $("#saved-select");
  const savedDelete = $("#saved-delete");
  const saveForm = $("#save-filter-form");
  const saveName = $("#save-filter-name");
  const saveError = $("#save-filter-error");

  function savedFilters() {
    try {
      const list = JSON.parse(localStorage.getItem(SAVED_KEY) || "[]");
      return Array.isArray(list) ? list.filter((f) => f && typeof f.name === "string") : [];
    } catch (_) {
      return [];
    }
  }

  function currentQuery() {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    return params.toString();
  }

  function showSaved() {
    const list = savedFilters();
    const here = currentQuery();
    savedSelect.replaceChildren(new Option(list.length ? "选择已保存的条件…" : "尚未保存条件", ""));
    for (const filter of list) {
      const option = new Option(filter.name, filter.query, false, filter.query === here);
      savedSelect.add(option);
    }
    savedDelete.disabled = !savedSelect.value;
  }

  function showSaveError(message) {
    saveError.textContent = message;
    saveError.hidden = !message;
  }

  saveForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = saveName.value.trim();
    if (!name) {
      showSaveError("请为当前条件起一个名称");
      return;
    }
    const list = savedFilters().filter((f) => f.name !== name);
    list.push({ name, query: currentQuery() });
    list.sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
    localStorage.setItem(SAVED_KEY, JSON.stringify(list));
    saveName.value = "";
    showSaveError("");
    showSaved();
    announce(`已保存条件「${name}」`);
  });
  savedSelect.addEventListener("change", () => {
    savedDelete.disabled = !savedSelect.value;
    const chosen = savedSelect.selectedOptions[0];
    if (chosen && chosen.value !== "" && chosen.value !== currentQuery()) {
      window.location.assign("/" + (chosen.value ? "?" + chosen.value : ""));
    }
  });
  savedDelete.addEventListener("click", () => {
    const chosen = savedSelect.selectedOptions[0];
    if (!chosen || !savedSelect.value) return;
    const list = savedFilters().filter((f) => !(f.name === chosen.text && f.query === chosen.value));
    localStorage.setItem(SAVED_KEY, JSON.stringify(list));
    showSaved();
    announce(`已删除条件「${chosen.text}」`);
  });
  showSaved();

  // ---------------------------------------------------------------------------- live updates

  const live = $("#queue-live");
  let version = queue.dataset.version;
  const every = Math.max(0.2, Number(queue.dataset.pollSeconds) || 5) * 1000;

  function announce(text) {
    live.textContent = text;
  }

  function clock() {
    return new Date().toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }

  async function redraw() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return false;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const results = $("#queue-results", fresh);
    const freshQueue = $("#queue", fresh);
    if (!results || !freshQueue) return false;
    const focused = document.activeElement;
    const focusKey = focused && $("#queue-results").contains(focused)
      ? (focused.getAttribute("href") || (focused.value && `[value="${CSS.escape(focused.value)}"]`))
      : null;
    $("#queue-results").replaceWith(results);
    $("#queue-total").textContent = $("#queue-total", fresh).textContent;
    version = freshQueue.dataset.version;
    queue.dataset.version = version;
    showPicked();
    if (focusKey) {
      const again = focusKey.startsWith("[")
        ? $(`#queue-results input${focusKey}`)
        : $(`#queue-results a[href="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
    queue.dataset.refreshed = String(Number(queue.dataset.refreshed || 0) + 1);
    announce(`队列已自动更新（${clock()}）`);
    return true;
  }

  async function poll() {
    if (document.visibilityState === "visible") {
      try {
        const bureau = queue.dataset.bureau;
        const response = await fetch(
          "/api/queue/version" + (bureau ? "?bureau=" + encodeURIComponent(bureau) : ""),
          { credentials: "same-origin", headers: { "If-None-Match": `"${version}"` } },
        );
        if (response.status === 401) {
          announce("登录已过期，队列不再自动更新；请刷新页面重新登录");
          return;
        }
        if (response.ok) {
          const body = await response.json();
          if (body.version !== version) await redraw();
        }
      } catch (_) {
        announce("暂时无法连接服务，稍后自动重试");
      }
    }
    window.setTimeout(poll, every);
  }
  window.setTimeout(poll, every);
})();
