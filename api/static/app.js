// The reviewer pages' behaviour: queue filters, page viewer (zoom, pan, boxes), flags with j/k,
// decisions and corrections through the API (with the session's CSRF token), and uploads with
// live progress from the filing's Server-Sent Events. Plain JavaScript, no build step.
"use strict";

(function () {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function csrfToken() {
    const meta = $('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (_) { /* not JSON */ }
    return `请求失败（HTTP ${response.status}）`;
  }

  // A JSON request to the API from the signed-in page; an expired session reloads the page,
  // which then shows the expired-session page.
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.reload();
      throw new Error("登录已过期，请重新登录");
    }
    if (!response.ok) throw new Error(await errorMessage(response));
    return response.json();
  }

  // A form that asks for a reason (dismissing a flag, rejecting a correction): cancel hides it,
  // an empty reason is refused in words, a given one is handed to `submit`.
  function reasonForm(form, cancel, error, emptyMessage, submit) {
    cancel.addEventListener("click", () => {
      form.hidden = true;
      showError(error, "");
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = $("textarea", form).value.trim();
      if (!reason) {
        showError(error, emptyMessage);
        return;
      }
      submit(reason);
    });
  }

  function showError(element, message) {
    if (!element) return;
    element.textContent = message;
    element.hidden = !message;
  }

  function reloadAt(hash) {
    if (hash) history.replaceState(null, "", "#" + hash);
    window.location.reload();
  }

  // ---------------------------------------------------------------------------- queue

  for (const select of $$("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  // The queue as the reviewer left it (bureau, filters, sorting, page): every link back to the
  // queue returns there, for the rest of the browser tab's session.
  const QUEUE_KEY = "queue-query";
  if ($("#queue")) sessionStorage.setItem(QUEUE_KEY, window.location.search);
  const queueQuery = sessionStorage.getItem(QUEUE_KEY);
  if (queueQuery) {
    for (const link of $$("a[data-queue-link]")) link.setAttribute("href", "/" + queueQuery);
  }

  const review = $("#review");
  if (!review) return;
  const filingId = review.dataset.filingId;

  // ---------------------------------------------------------------------------- viewer

  const scroller = $("#viewer-scroll");
  const zoomLabel = $("#zoom-level");
  const viewerTitle = $("#viewer-title");
  const stages = new Map($$(".stage", scroller).map((s) => [s.dataset.pageKey, s]));
  let currentKey = null;
  let zoom = 1; // relative to "whole page fits"

  function fitScale(stage) {
    const width = Number(stage.dataset.width) || 1000;
    const height = Number(stage.dataset.height) || 1400;
    const style = getComputedStyle(scroller);
    const padX = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const padY = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const room = Math.max(scroller.clientWidth - padX, 100);
    const roomY = Math.max(scroller.clientHeight - padY, 100);
    return Math.min(room / width, roomY / height);
  }

  function applyZoom(anchor) {
    const stage = stages.get(currentKey);
    if (!stage) return;
    const before = stage.getBoundingClientRect();
    const width = Number(stage.dataset.width) || 1000;
    const shown = Math.round(width * fitScale(stage) * zoom);
    stage.style.width = shown + "px";
    zoomLabel.textContent = Math.round(zoom * 100) + "%";
    if (anchor && before.width) {
      // keep the point under the pointer where it was
      const ratio = shown / before.width;
      const after = stage.getBoundingClientRect();
      const x = (anchor.x - before.left) * ratio + after.left;
      const y = (anchor.y - before.top) * ratio + after.top;
      scroller.scrollLeft += x - anchor.x;
      scroller.scrollTop += y - anchor.y;
    }
  }

  function setZoom(value, anchor) {
    zoom = Math.min(8, Math.max(0.25, value));
    applyZoom(anchor);
  }

  const noPage = $("#viewer-nopage");

  // No page for what was chosen (a flag on the filing alone): the viewer says so instead of
  // leaving the previous page on show.
  function showNoPage(text) {
    for (const stage of stages.values()) stage.hidden = true;
    for (const thumb of $$(".thumb.current")) {
      thumb.classList.remove("current");
      thumb.removeAttribute("aria-current");
    }
    currentKey = null;
    noPage.hidden = false;
    $("#viewer-nopage-text").textContent = text || "";
    viewerTitle.textContent = "不对应具体页面";
    zoomLabel.textContent = "—";
  }

  function showPage(key) {
    if (!stages.has(key)) return false;
    noPage.hidden = true;
    if (key !== currentKey) {
      for (const [k, stage] of stages) stage.hidden = k !== key;
      for (const thumb of $$(".thumb")) {
        const on = thumb.dataset.pageKey === key;
        thumb.classList.toggle("current", on);
        if (on) {
          thumb.setAttribute("aria-current", "page");
          reveal(thumb, $(".thumbs"));
        } else {
          thumb.removeAttribute("aria-current");
        }
      }
      currentKey = key;
      zoom = 1;
      applyZoom();
      scroller.scrollTop = 0;
      scroller.scrollLeft = 0;
      viewerTitle.textContent = stages.get(key).dataset.title || "";
    }
    return true;
  }

  // Bring a box to the middle of the viewer, zooming in so that its text can be read.
  function focusBox(box) {
    const stage = box.closest(".stage");
    const width = Number(stage.dataset.width) || 1000;
    const fraction = parseFloat(box.style.width) / 100 || 0.2;
    const wanted = (scroller.clientWidth * 0.35) / (fraction * width * fitScale(stage));
    setZoom(Math.max(zoom, Math.min(wanted, 2)));
    const sr = scroller.getBoundingClientRect();
    const br = box.getBoundingClientRect();
    scroller.scrollLeft += br.left + br.width / 2 - (sr.left + sr.width / 2);
    scroller.scrollTop += br.top + br.height / 2 - (sr.top + sr.height / 2);
  }

  function clearSelection() {
    for (const el of $$(".selected")) el.classList.remove("selected");
  }

  for (const thumb of $$(".thumb")) {
    thumb.addEventListener("click", () => showPage(thumb.dataset.pageKey));
  }
  for (const button of $$("[data-show-page]")) {
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      showPage(button.dataset.showPage);
    });
  }
  for (const button of $$("[data-zoom]")) {
    button.addEventListener("click", () => {
      const how = button.dataset.zoom;
      setZoom(how === "in" ? zoom * 1.25 : how === "out" ? zoom / 1.25 : 1);
    });
  }
  scroller.addEventListener(
    "wheel",
    (event) => {
      if (!currentKey) return;
      event.preventDefault();
      const factor = Math.exp(-event.deltaY * 0.0015);
      setZoom(zoom * factor, { x: event.clientX, y: event.clientY });
    },
    { passive: false },
  );
  let pan = null;
  scroller.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    pan = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop, moved: false };
  });
  window.addEventListener("pointermove", (event) => {
    if (!pan) return;
    const dx = event.clientX - pan.x;
    const dy = event.clientY - pan.y;
    if (!pan.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    pan.moved = true;
    scroller.classList.add("panning");
    scroller.scrollLeft = pan.left - dx;
    scroller.scrollTop = pan.top - dy;
  });
  window.addEventListener("pointerup", () => {
    scroller.classList.remove("panning");
    setTimeout(() => { pan = null; }, 0);
  });
  window.addEventListener("resize", () => applyZoom());

  // ---------------------------------------------------------------------------- comparison

  const compareRows = $$(".cmp-row");
  const sidePanel = $("#side-rest");

  function readingOf(key, name) {
    return $(`.reading[data-page-key="${key}"][data-field="${name}"]`);
  }

  // Bring `element` into view inside its own scrolling panel (never the whole page).
  function reveal(element, panel = sidePanel) {
    if (!element || !panel) return;
    const pr = panel.getBoundingClientRect();
    const er = element.getBoundingClientRect();
    if (er.top < pr.top) panel.scrollTop -= pr.top - er.top + 8;
    else if (er.bottom > pr.bottom) panel.scrollTop += Math.min(er.bottom - pr.bottom + 8, er.top - pr.top - 8);
  }

  // One tab stop for the whole table: the current row (and its buttons) can be reached by Tab.
  function makeCurrentRow(row, { focus = false } = {}) {
    for (const other of compareRows) {
      const on = other === row;
      other.tabIndex = on ? 0 : -1;
      for (const button of $$("[data-action=edit], [data-select-flag]", other)) button.tabIndex = on ? 0 : -1;
    }
    if (focus) {
      row.focus({ preventScroll: true });
      reveal(row);
    }
  }

  function selectRowElement(row, scrollRow) {
    row.classList.add("selected");
    makeCurrentRow(row);
    if (scrollRow) reveal(row);
  }

  function selectField(key, name, { scrollRow = true } = {}) {
    clearSelection();
    showPage(key);
    const reading = readingOf(key, name);
    const box = $(`.box[data-page-key="${key}"][data-field="${name}"]`);
    if (reading) {
      reading.classList.add("selected");
      selectRowElement(reading.closest(".cmp-row"), scrollRow);
    }
    if (box) {
      box.classList.add("selected");
      focusBox(box);
    }
  }

  function selectRow(row, { scrollRow = false } = {}) {
    if (row.dataset.pageKey) {
      selectField(row.dataset.pageKey, row.dataset.field, { scrollRow });
      return;
    }
    clearSelection();
    selectRowElement(row, scrollRow);
    const label = row.dataset.label;
    showNoPage(`「${label}」只在征集信息表中填报，扫描件上没有此项。`);
  }

  for (const box of $$(".box")) {
    box.addEventListener("click", () => {
      if (pan && pan.moved) return;
      selectField(box.dataset.pageKey, box.dataset.field);
    });
  }

  function openEdit(reading) {
    if ($(".pending-correction", reading)) return; // one correction at a time: it awaits review
    const form = $(".edit-form", reading);
    form.hidden = !form.hidden;
    if (!form.hidden) $("[name=value]", form).focus();
  }

  for (const row of compareRows) {
    row.addEventListener("click", (event) => {
      if (event.target.closest(".edit-form, .pending-correction, [data-action], [data-select-flag]")) return;
      const reading = event.target.closest(".reading");
      if (reading) selectField(reading.dataset.pageKey, reading.dataset.field, { scrollRow: false });
      else selectRow(row);
    });
    row.addEventListener("focus", () => makeCurrentRow(row));
    row.addEventListener("keydown", (event) => {
      if (event.target !== row) return;
      const index = compareRows.indexOf(row);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const next = compareRows[index + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) makeCurrentRow(next, { focus: true });
      } else if (event.key === "Home" || event.key === "End") {
        makeCurrentRow(compareRows[event.key === "Home" ? 0 : compareRows.length - 1], { focus: true });
      } else if (event.key === "Enter" || event.key === " ") {
        selectRow(row);
      } else if (event.key === "e") {
        const reading = $(".reading.selected", row) || $(".reading", row);
        if (reading) openEdit(reading);
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    });
  }

  for (const reading of $$(".reading")) {
    const form = $(".edit-form", reading);
    $('[data-action="edit"]', reading).addEventListener("click", () => openEdit(reading));
    $('[data-action="cancel-edit"]', reading).addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("[name=value]", form);
      const value = input.dataset.type === "bool" ? input.value === "true" : input.value.trim();
      const url = `/api/documents/${reading.dataset.documentId}/pages/${reading.dataset.pageIndex}/corrections`;
      try {
        const reason = $("[name=reason]", form).value.trim();
        await api("POST", url, { field: reading.dataset.field, value, reason });
        reloadAt(`field-${reading.dataset.pageKey}-${reading.dataset.field}`);
      } catch (error) {
        showError($(".form-error", form), error.message);
      }
    });
  }

  // A pending correction (four eyes): a reviewer other than its author approves or rejects it.
  for (const box of $$(".pending-correction")) {
    const approve = $('[data-action="approve-correction"]', box);
    if (!approve) continue;
    const form = $(".reject-form", box);
    const error = $(".form-error", box);
    const reading = box.closest(".reading");
    async function review(decision, reason) {
      try {
        await api("POST", `/api/corrections/${box.dataset.correctionId}/review`, { decision, reason });
        reloadAt(`field-${reading.dataset.pageKey}-${reading.dataset.field}`);
      } catch (e) {
        showError(error, e.message);
      }
    }
    approve.addEventListener("click", () => review("approve"));
    $('[data-action="reject-correction"]', box).addEventListener("click", () => {
      form.hidden = false;
      $("textarea", form).focus();
    });
    reasonForm(form, $('[data-action="cancel-reject"]', box), error, "驳回更正必须填写理由",
      (reason) => review("reject", reason));
  }

  // ---------------------------------------------------------------------------- flags

  const flagItems = $$(".flag");
  let flagIndex = -1;

  function selectFlag(index, { scrollItem = true } = {}) {
    if (!flagItems.length) return;
    flagIndex = (index + flagItems.length) % flagItems.length;
    const item = flagItems[flagIndex];
    clearSelection();
    item.classList.add("selected");
    if (scrollItem) reveal(item, $("#flags-panel"));
    const row = item.dataset.row ? $(`.cmp-row[data-row="${item.dataset.row}"]`) : null;
    if (row) selectRowElement(row, true);
    const key = item.dataset.pageKey;
    if (key && showPage(key)) {
      const box = $(`.flagbox[data-flag-id="${item.dataset.flagId}"]`);
      const field = item.dataset.field ? $(`.box[data-page-key="${key}"][data-field="${item.dataset.field}"]`) : null;
      const reading = item.dataset.field ? readingOf(key, item.dataset.field) : null;
      if (field) field.classList.add("selected");
      if (reading) reading.classList.add("selected");
      if (box) {
        box.classList.add("selected");
        focusBox(box);
      }
    } else {
      showNoPage($(".flag-message", item).textContent);
    }
  }

  flagItems.forEach((item, index) => {
    item.addEventListener("click", (event) => {
      if (event.target.closest("button, form, textarea")) return;
      selectFlag(index, { scrollItem: false });
    });
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target === item) selectFlag(index, { scrollItem: false });
    });
    const form = $(".dismiss-form", item);
    const error = $(".form-error", item);
    async function decide(decision, reason) {
      try {
        await api("POST", `/api/flags/${item.dataset.flagId}/decision`, { decision, reason });
        reloadAt(`flag-${item.dataset.flagId}`);
      } catch (e) {
        showError(error, e.message);
      }
    }
    $('[data-action="confirm"]', item).addEventListener("click", () => decide("confirm"));
    $('[data-action="dismiss"]', item).addEventListener("click", () => {
      selectFlag(index, { scrollItem: false });
      form.hidden = false;
      $("textarea", form).focus();
    });
    reasonForm(form, $('[data-action="cancel"]', form), error, "排除疑点必须填写理由",
      (reason) => decide("dismiss", reason));
  });
  function flagIndexOf(id) {
    return flagItems.findIndex((item) => item.dataset.flagId === id);
  }
  for (const number of $$(".flagbox .flag-no")) {
    number.addEventListener("click", (event) => {
      event.stopPropagation();
      selectFlag(flagIndexOf(number.closest(".flagbox").dataset.flagId));
    });
  }
  for (const chip of $$("[data-select-flag]")) {
    chip.addEventListener("click", () => selectFlag(flagIndexOf(chip.dataset.selectFlag)));
  }

  // ---------------------------------------------------------------------------- keys

  const helpDialog = $("#help-dialog");
  function showHelp() {
    if (helpDialog && !helpDialog.open) helpDialog.showModal();
  }
  for (const button of $$('[data-action="help"]')) button.addEventListener("click", showHelp);

  // Escape closes the innermost thing open: a form, then the selection.
  function escape() {
    const open = $$(".dismiss-form, .edit-form, .reject-form, .recommend-form").filter((form) => !form.hidden);
    if (open.length) {
      for (const form of open) {
        form.hidden = true;
        const owner = form.closest(".flag, .reading, #recommendation");
        for (const error of $$(".form-error", owner)) showError(error, "");
      }
      return;
    }
    clearSelection();
    flagIndex = -1;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (helpDialog && helpDialog.open) return; // the dialog closes itself on Escape
    if (event.key === "Escape") {
      escape();
      if (event.target.closest("input, textarea, select")) event.target.blur();
      return;
    }
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "j") selectFlag(flagIndex + 1);
    else if (event.key === "k") selectFlag(flagIndex < 0 ? -1 : flagIndex - 1);
    else if (event.key === "+" || event.key === "=") setZoom(zoom * 1.25);
    else if (event.key === "-") setZoom(zoom / 1.25);
    else if (event.key === "0") setZoom(1);
    else if (event.key === "?") showHelp();
    else return;
    event.preventDefault();
  });

  // ---------------------------------------------------------------------------- recommendation

  const recommendation = $("#recommendation");
  if (recommendation) {
    const form = $(".recommend-form", recommendation);
    const error = $(":scope > .form-error", recommendation);
    async function recommend(decision, reason) {
      try {
        await api("POST", `/api/filings/${encodeURIComponent(filingId)}/recommendation`, { decision, reason });
        reloadAt("recommendation");
      } catch (e) {
        showError(error, e.message);
      }
    }
    for (const button of $$("[data-recommend]", recommendation)) {
      button.addEventListener("click", () => {
        const decision = button.dataset.recommend || null;
        if (decision === "not_recommended") {
          form.hidden = false;
          $("textarea", form).focus();
        } else {
          recommend(decision, null);
        }
      });
    }
    $('[data-action="cancel"]', form).addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      recommend("not_recommended", $("textarea", form).value.trim());
    });
  }

  // ---------------------------------------------------------------------------- uploads

  const docList = $("#doc-list");
  const dropzone = $("#dropzone");
  const fileInput = $("#file-input");
  const uploadDone = $("#upload-done");
  const statusBadge = $("#filing-status");
  const REFUSED_KEY = `refused-uploads:${filingId}`;
  const UPDATED_KEY = `updated-after-upload:${filingId}`;
  const STATE_TEXT = {
    uploading: "正在上传",
    queued: "排队等待识别",
    running: "正在识别",
    done: "识别完成",
    failed: "识别失败",
  };
  let events = null;
  let uploadsRunning = 0;
  let accepted = 0;
  let watched = review.dataset.active === "true";

  function docItem(name) {
    const item = document.createElement("li");
    item.className = "doc";
    item.dataset.file = name;
    item.innerHTML = '<span class="doc-name"></span><span class="doc-state"></span><progress max="100" value="0"></progress><span class="doc-error" hidden></span>';
    $(".doc-name", item).textContent = name;
    $(".doc-name", item).title = name;
    docList.appendChild(item);
    return item;
  }

  function setState(item, state, text, progress) {
    item.dataset.state = state;
    $(".doc-state", item).textContent = text || STATE_TEXT[state] || state;
    const bar = $("progress", item);
    if (progress) {
      bar.max = progress[1] || 1;
      bar.value = progress[0];
    }
  }

  function fail(item, message, label = "上传失败") {
    setState(item, "failed", label, [0, 1]);
    let error = $(".doc-error", item);
    if (!error) {
      error = document.createElement("span");
      error.className = "doc-error";
      item.appendChild(error);
    }
    error.textContent = message;
    error.hidden = false;
  }

  // The filing's header follows its files: 处理中 while any is being read, counts as they come.
  function showProcessing() {
    if (statusBadge && pending()) {
      statusBadge.textContent = "处理中";
      statusBadge.className = "badge status-processing";
    }
    $("#doc-count").textContent = String($$(".doc").filter((item) => item.dataset.documentId).length);
    const empty = $("#viewer-empty-title");
    if (empty && accepted) empty.textContent = "材料已上传，正在识别…识别完成后页面自动更新";
  }

  function showJob(job, item) {
    item = item || $(`.doc[data-job-id="${job.id}"]`) || $(`.doc[data-document-id="${job.document_id}"]`);
    if (!item) return;
    if (item.dataset.jobId && job.id < Number(item.dataset.jobId)) return; // an earlier job of the file
    item.dataset.jobId = job.id;
    if (job.state === "running") {
      const text = job.pages_total ? `正在识别 第 ${job.pages_done} / ${job.pages_total} 页` : "正在识别";
      setState(item, "running", text, [job.pages_done, job.pages_total || 1]);
    } else if (job.state === "done") {
      setState(item, "done", `识别完成（${job.pages_total} 页）`, [1, 1]);
    } else if (job.state === "failed") {
      fail(item, job.error || "文件无法识别", "识别失败");
      offerRetry(item);
    } else {
      setState(item, "queued", null, [0, 1]);
    }
    if (item.dataset.requeued && job.state !== "failed") {
      $(".doc-state", item).textContent += "（此文件曾识别失败，已重新处理）";
    } else if (item.dataset.duplicate) {
      $(".doc-state", item).textContent += "（此文件已上传过）";
    }
    showProcessing();
  }

  // A file whose reading failed can be read again: POST /api/jobs/{id}/retry queues a new job.
  function offerRetry(item) {
    let button = $("[data-retry-job]", item);
    if (!button) {
      if (!item.dataset.jobId) return;
      button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small";
      button.dataset.retryJob = item.dataset.jobId;
      button.textContent = "重新处理";
      item.appendChild(button);
    }
    if (button.dataset.bound) return;
    button.dataset.bound = "true";
    button.addEventListener("click", async () => {
      button.disabled = true;
      const error = $(".doc-error", item);
      try {
        const job = await api("POST", `/api/jobs/${encodeURIComponent(button.dataset.retryJob)}/retry`);
        button.remove();
        if (error) error.hidden = true;
        item.dataset.jobId = job.id;
        showJob(job);
        watched = true;
        uploadDone.hidden = true;
        watchJobs();
      } catch (failure) {
        button.disabled = false;
        if (error) { error.textContent = failure.message; error.hidden = false; }
      }
    });
  }

  function pending() {
    return $$(".doc").some((item) => ["uploading", "queued", "running"].includes(item.dataset.state));
  }

  function formInUse() {
    return $$(".dismiss-form, .edit-form, .reject-form, .recommend-form").some(
      (form) => !form.hidden && $$("textarea, input[type=text]", form).some((field) => field.value.trim()),
    );
  }

  // Every file is read: the page is drawn again from the server (pages, boxes, flags, status),
  // keeping the files refused on upload (they were never stored) in the list. A reviewer in the
  // middle of typing a reason is not interrupted: they get a button instead.
  function checkFinished() {
    if (!watched || pending() || uploadsRunning) return;
    if (formInUse()) {
      uploadDone.hidden = false;
      return;
    }
    refresh();
  }

  function refresh() {
    const refused = $$(".doc[data-refused]").map((item) => ({
      file: item.dataset.file,
      message: $(".doc-error", item).textContent,
    }));
    sessionStorage.setItem(REFUSED_KEY, JSON.stringify(refused));
    sessionStorage.setItem(UPDATED_KEY, "1");
    window.location.reload();
  }

  function restoreRefused() {
    const stored = sessionStorage.getItem(REFUSED_KEY);
    sessionStorage.removeItem(REFUSED_KEY);
    if (sessionStorage.getItem(UPDATED_KEY)) review.dataset.updated = "after-upload";
    sessionStorage.removeItem(UPDATED_KEY);
    for (const { file, message } of JSON.parse(stored || "[]")) {
      const item = docItem(file);
      item.dataset.refused = "true";
      fail(item, message);
    }
  }

  function watchJobs() {
    if (events) return;
    events = new EventSource(`/api/filings/${encodeURIComponent(filingId)}/events`);
    events.addEventListener("job", (event) => showJob(JSON.parse(event.data)));
    events.addEventListener("end", () => {
      events.close();
      events = null;
      if ($$(".doc").some((item) => ["queued", "running"].includes(item.dataset.state))) {
        setTimeout(watchJobs, 300);
      }
      checkFinished();
    });
    events.onerror = () => {
      if (!events) return;
      events.close();
      events = null;
      setTimeout(watchJobs, 2000);
    };
  }

  function uploaded(item, body) {
    const { document: doc, job, duplicate, requeued } = body.data[0];
    const earlier = duplicate || requeued ? $(`.doc[data-document-id="${doc.id}"]`) : null;
    if (earlier && earlier !== item) {
      // the same bytes again: the document already listed is the one; say so there
      item.remove();
      item = earlier;
    }
    item.dataset.documentId = doc.id;
    item.dataset.jobId = job.id;
    if (!duplicate || requeued) {
      accepted += 1;
      watched = true; // a new file, or one read again: the page is redrawn once it is read
    }
    if (requeued) {
      // the same bytes as a file whose reading failed: it is read again as a new job
      for (const old of $$("[data-retry-job], .doc-error", item)) old.remove();
      item.dataset.requeued = "true";
    } else if (duplicate) {
      item.dataset.duplicate = "true";
    }
    showJob(job, item);
    watchJobs();
  }

  function uploadOne(file) {
    const item = docItem(file.name);
    setState(item, "uploading", "正在上传 0%", [0, 100]);
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", `/api/filings/${encodeURIComponent(filingId)}/documents`);
      request.setRequestHeader("X-CSRF-Token", csrfToken());
      request.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.round((event.loaded / event.total) * 100);
        setState(item, "uploading", `正在上传 ${percent}%`, [percent, 100]);
      });
      request.addEventListener("load", () => {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
        if (request.status === 202 && body && body.data && body.data.length) {
          uploaded(item, body);
        } else {
          item.dataset.refused = "true";
          if (request.status === 401) fail(item, "登录已过期，请重新登录后再上传");
          else fail(item, body && body.error ? body.error.message : `上传失败（HTTP ${request.status}）`);
        }
        resolve();
      });
      request.addEventListener("error", () => {
        item.dataset.refused = "true";
        fail(item, "上传失败：网络连接中断，请重试");
        resolve();
      });
      const form = new FormData();
      form.append("files", file, file.name);
      request.send(form);
    });
  }

  async function upload(files) {
    if (!files.length) return;
    uploadDone.hidden = true;
    uploadsRunning += 1;
    try {
      for (const file of files) await uploadOne(file); // one request per file: each fails alone
    } finally {
      uploadsRunning -= 1;
      checkFinished();
    }
  }

  fileInput.addEventListener("change", () => {
    upload(Array.from(fileInput.files));
    fileInput.value = "";
  });
  for (const zone of $$("[data-drop]")) {
    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    }
    for (const name of ["dragleave", "drop"]) {
      zone.addEventListener(name, () => zone.classList.remove("dragover"));
    }
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      upload(Array.from(event.dataTransfer.files));
    });
  }
  dropzone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") fileInput.click();
  });
  // a file dropped beside the zone must not make the browser leave the page
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  $('[data-action="reload"]', uploadDone).addEventListener("click", refresh);
  restoreRefused();
  $$('.doc[data-state="failed"]').forEach(offerRetry);
  if (watched) watchJobs();

  // ---------------------------------------------------------------------------- start

  const hash = decodeURIComponent(window.location.hash.slice(1));
  const firstKey = stages.keys().next().value;
  const fieldHash = /^field-(\d+-\d+)-(.+)$/.exec(hash);
  if (hash.startsWith("flag-")) {
    const index = flagItems.findIndex((item) => item.id === hash);
    if (index >= 0) selectFlag(index);
  } else if (fieldHash) {
    selectField(fieldHash[1], fieldHash[2]);
  } else if (hash === "recommendation" && recommendation) {
    reveal(recommendation);
  } else if (hash.startsWith("page-")) {
    showPage(hash.slice(5)); // a page found by a search in the scans' text, from the queue
  }
  if (!currentKey && noPage.hidden) {
    const open = flagItems.findIndex((item) => item.classList.contains("status-open") && item.dataset.pageKey);
    if (open >= 0) selectFlag(open);
    else if (firstKey) showPage(firstKey);
  }
})();
