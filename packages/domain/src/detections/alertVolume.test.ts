import { describe, expect, it } from "vitest";
import { ALERT_VOLUME_MIN_SCORE, ALERT_VOLUMES, alertVolumeRule, mayRaiseAlert, raisesAlert } from "./alertVolume.ts";

describe("alert volume", () => {
  it("fewer: every High, the upper half of Medium, no Low", () => {
    expect(alertVolumeRule("fewer", "High")).toEqual({ raises: "all", fromScore: 67, shareOfBand: 1 });
    expect(alertVolumeRule("fewer", "Medium")).toEqual({ raises: "some", fromScore: 50, shareOfBand: 0.52 });
    expect(alertVolumeRule("fewer", "Low")).toEqual({ raises: "none", fromScore: null, shareOfBand: 0 });
    expect(mayRaiseAlert("fewer", 49.99)).toBe(false);
    expect(mayRaiseAlert("fewer", 50)).toBe(true);
  });

  it("default: every High and Medium, the upper half of Low", () => {
    expect(alertVolumeRule("default", "High").raises).toBe("all");
    expect(alertVolumeRule("default", "Medium")).toEqual({ raises: "all", fromScore: 34, shareOfBand: 1 });
    expect(alertVolumeRule("default", "Low")).toEqual({ raises: "some", fromScore: 25, shareOfBand: 0.47 });
    expect(mayRaiseAlert("default", 24.99)).toBe(false);
    expect(mayRaiseAlert("default", 25)).toBe(true);
  });

  it("more: every High and Medium, most of Low", () => {
    expect(alertVolumeRule("more", "Medium").raises).toBe("all");
    expect(alertVolumeRule("more", "Low")).toEqual({ raises: "some", fromScore: 18, shareOfBand: 0.84 });
    expect(mayRaiseAlert("more", 15)).toBe(false);
    expect(mayRaiseAlert("more", 18)).toBe(true);
  });

  it("is monotonic: a higher score or a larger volume never raises fewer alerts", () => {
    const [fewer, normal, more] = ALERT_VOLUMES.map((v) => ALERT_VOLUME_MIN_SCORE[v]);
    expect(fewer! > normal! && normal! > more!).toBe(true);
    for (let s = 15; s < 100; s += 0.5) {
      for (const v of ALERT_VOLUMES) if (mayRaiseAlert(v, s)) expect(mayRaiseAlert(v, s + 0.5)).toBe(true);
      if (mayRaiseAlert("fewer", s)) expect(mayRaiseAlert("default", s)).toBe(true);
      if (mayRaiseAlert("default", s)) expect(mayRaiseAlert("more", s)).toBe(true);
    }
  });

  it("raises an alert when any insight reaches the line", () => {
    expect(raisesAlert("fewer", [20, 30, 45])).toBe(false);
    expect(raisesAlert("fewer", [20, 51])).toBe(true);
    expect(raisesAlert("default", [])).toBe(false);
  });
});
