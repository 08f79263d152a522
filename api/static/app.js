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

  function showPage(key) {
    if (!stages.has(key)) return false;
    if (key !== currentKey) {
      for (const [k, stage] of stages) stage.hidden = k !== key;
      for (const thumb of $$(".thumb")) {
        const on = thumb.dataset.pageKey === key;
        thumb.classList.toggle("current", on);
        if (on) {
          thumb.setAttribute("aria-current", "page");
          thumb.scrollIntoView({ block: "nearest" });
        } else {
          thumb.removeAttribute("aria-current");
        }
      }
      for (const group of $$(".field-group")) {
        group.classList.toggle("current", group.dataset.pageKey === key);
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

  // ---------------------------------------------------------------------------- fields

  function fieldRow(key, name) {
    return $(`.field-row[data-page-key="${key}"][data-field="${name}"]`);
  }

  function selectField(key, name, { scrollRow = true } = {}) {
    clearSelection();
    showPage(key);
    const row = fieldRow(key, name);
    const box = $(`.box[data-page-key="${key}"][data-field="${name}"]`);
    if (row) {
      row.classList.add("selected");
      if (scrollRow) row.scrollIntoView({ block: "nearest" });
    }
    if (box) {
      box.classList.add("selected");
      focusBox(box);
    }
  }

  for (const box of $$(".box")) {
    box.addEventListener("click", () => {
      if (pan && pan.moved) return;
      selectField(box.dataset.pageKey, box.dataset.field);
    });
  }

  for (const row of $$(".field-row")) {
    const form = $(".edit-form", row);
    row.addEventListener("click", (event) => {
      if (event.target.closest(".edit-form, [data-action]")) return;
      selectField(row.dataset.pageKey, row.dataset.field, { scrollRow: false });
    });
    $('[data-action="edit"]', row).addEventListener("click", () => {
      form.hidden = !form.hidden;
      if (!form.hidden) $("[name=value]", form).focus();
    });
    $('[data-action="cancel-edit"]', row).addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("[name=value]", form);
      const value = input.dataset.type === "bool" ? input.value === "true" : input.value.trim();
      const url = `/api/documents/${row.dataset.documentId}/pages/${row.dataset.pageIndex}/corrections`;
      try {
        const reason = $("[name=reason]", form).value.trim();
        await api("POST", url, { field: row.dataset.field, value, reason });
        reloadAt(`field-${row.dataset.pageKey}-${row.dataset.field}`);
      } catch (error) {
        showError($(".form-error", form), error.message);
      }
    });
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
    if (scrollItem) item.scrollIntoView({ block: "nearest" });
    const key = item.dataset.pageKey;
    if (key && showPage(key)) {
      const box = $(`.flagbox[data-flag-id="${item.dataset.flagId}"]`);
      const field = item.dataset.field ? $(`.box[data-page-key="${key}"][data-field="${item.dataset.field}"]`) : null;
      if (field) field.classList.add("selected");
      if (box) {
        box.classList.add("selected");
        focusBox(box);
      }
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
    $('[data-action="cancel"]', form).addEventListener("click", () => {
      form.hidden = true;
      showError(error, "");
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = $("textarea", form).value.trim();
      if (!reason) {
        showError(error, "排除疑点必须填写理由");
        return;
      }
      decide("dismiss", reason);
    });
  });
  for (const number of $$(".flagbox .flag-no")) {
    number.addEventListener("click", (event) => {
      event.stopPropagation();
      const id = number.closest(".flagbox").dataset.flagId;
      selectFlag(flagItems.findIndex((item) => item.dataset.flagId === id));
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "j") selectFlag(flagIndex + 1);
    else if (event.key === "k") selectFlag(flagIndex < 0 ? -1 : flagIndex - 1);
    else if (event.key === "+" || event.key === "=") setZoom(zoom * 1.25);
    else if (event.key === "-") setZoom(zoom / 1.25);
    else if (event.key === "0") setZoom(1);
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
  const STATE_TEXT = {
    uploading: "正在上传",
    queued: "排队等待识别",
    running: "正在识别",
    done: "识别完成",
    failed: "识别失败",
  };
  let events = null;
  let uploadsRunning = 0;
  let watched = review.dataset.active === "true";

  function docItem(file) {
    const item = document.createElement("li");
    item.className = "doc";
    item.dataset.file = file.name;
    item.innerHTML = '<span class="doc-name"></span><span class="doc-state"></span><progress max="100" value="0"></progress><span class="doc-error" hidden></span>';
    $(".doc-name", item).textContent = file.name;
    $(".doc-name", item).title = file.name;
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
    const error = $(".doc-error", item);
    error.textContent = message;
    error.hidden = false;
  }

  function showJob(job) {
    const item = $(`.doc[data-job-id="${job.id}"]`) || $(`.doc[data-document-id="${job.document_id}"]`);
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

  function checkFinished() {
    if (watched && !pending() && !uploadsRunning) uploadDone.hidden = false;
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

  function uploadOne(file) {
    const item = docItem(file);
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
          const { document: doc, job, duplicate, requeued } = body.data[0];
          item.dataset.documentId = doc.id;
          item.dataset.jobId = job.id;
          showJob(job);
          if (requeued) $(".doc-state", item).textContent += "（此文件曾识别失败，已重新处理）";
          else if (duplicate) $(".doc-state", item).textContent += "（此文件已上传过）";
          watchJobs();
        } else if (request.status === 401) {
          fail(item, "登录已过期，请重新登录后再上传");
        } else {
          const message = body && body.error ? body.error.message : `上传失败（HTTP ${request.status}）`;
          fail(item, message);
        }
        resolve();
      });
      request.addEventListener("error", () => {
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
    watched = true;
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
  $('[data-action="reload"]', uploadDone).addEventListener("click", () => window.location.reload());
  $$('.doc[data-state="failed"]').forEach(offerRetry);
  if (watched) watchJobs();

  // ---------------------------------------------------------------------------- start

  const hash = decodeURIComponent(window.location.hash.slice(1));
  const firstKey = stages.keys().next().value;
  if (hash.startsWith("flag-")) {
    const index = flagItems.findIndex((item) => item.id === hash);
    if (index >= 0) selectFlag(index);
  } else if (hash.startsWith("field-")) {
    const row = document.getElementById(hash);
    if (row) {
      selectField(row.dataset.pageKey, row.dataset.field, { scrollRow: false });
      row.scrollIntoView({ block: "center" });
    }
  } else if (hash === "recommendation" && recommendation) {
    recommendation.scrollIntoView();
  }
  if (!currentKey) {
    const open = flagItems.findIndex((item) => item.classList.contains("status-open") && item.dataset.pageKey);
    if (open >= 0) selectFlag(open);
    else if (firstKey) showPage(firstKey);
  }
})();
