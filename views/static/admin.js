// The admin's only hand-written script: "Copy payload" (htmx cannot write to the clipboard, and the
// Content-Security-Policy allows no inline handlers). Everything else is htmx attributes.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  const label = button.textContent;
  navigator.clipboard.writeText(source.textContent ?? "").then(
    () => (button.textContent = "Copied"),
    () => (button.textContent = "Copy failed: select the text instead"),
  );
  setTimeout(() => (button.textContent = label), 2000);
});
