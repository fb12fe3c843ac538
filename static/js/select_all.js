// "alle vorgeschlagenen auswählen" (issue 15): a button with data-select-all="<selector>" ticks
// every enabled checkbox inside its closest <selector> (a category's fieldset or the whole form);
// pressed again while all are ticked, it clears them. Without JavaScript the buttons stay hidden.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-select-all]")) {
    const scope = button.closest(button.dataset.selectAll);
    if (!scope) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const boxes = [...scope.querySelectorAll('input[type="checkbox"]:not(:disabled)')];
      const tick = boxes.some((box) => !box.checked);
      for (const box of boxes) box.checked = tick;
    });
  }
});
