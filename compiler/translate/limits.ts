/** How many findings of one code one translation lists with their positions. */
export const FINDINGS_LISTED_PER_CODE = 25;
