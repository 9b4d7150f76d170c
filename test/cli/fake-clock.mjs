// Test-only preload (node --import): moves Date.now by TOKENSMITH_TEST_CLOCK_OFFSET_MS, so a
// CLI run can happen "days later" against a simulated token whose virtual time was advanced.
const offset = Number(process.env.TOKENSMITH_TEST_CLOCK_OFFSET_MS ?? "0");
if (Number.isFinite(offset) && offset !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}
