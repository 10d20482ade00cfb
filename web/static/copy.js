// Copy buttons on the "board created" page. Where the clipboard is not available (an unfocused
// window, an old browser), the link is selected instead, ready for Ctrl+C.
for (const button of document.querySelectorAll("button.copy")) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.classList.add("copied");
    } catch {
      const field = button.parentElement.querySelector("input.link");
      field.focus();
      field.select();
    }
  });
}
