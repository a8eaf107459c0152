declare module '@tgwf/co2/data' {
  export const averageIntensity: { data: Record<string, number>; type: string };
  export const marginalIntensity: { data: Record<string, unknown>; type: string; year?: number };
  export const electricityMaps: Record<string, Record<string, unknown>>;
}
