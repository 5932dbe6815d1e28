// Data sovereignty: a region's data is processed only by workers deployed in that region. Each
// region has a task queue of its own, named after the default one: `governance` → `governance-eu-west-1`.
// `govflow worker --region eu-west-1` polls it, and the steps for that region's data are scheduled
// on it. Pure, so workflows and workers compute the same name.

/** The task queue of `region`'s workers, next to the default queue `base`. */
export const regionQueue = (base: string, region: string): string => `${base}-${region}`;
