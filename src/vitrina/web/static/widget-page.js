// The /widget page: copy the snippet with one tap.
(function () {
  "use strict";
  const button = document.getElementById("copy");
  button.addEventListener("click", async function () {
    const text = document.getElementById("snippet").textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById("snippet"));
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      return;
    }
    button.textContent = button.dataset.done;
  });
})();
