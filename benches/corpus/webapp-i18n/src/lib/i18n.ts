import i18n from "i18next";
import { initReactI18next } from "react-i18next";

export const supportedLanguages = ["en", "de", "ru", "zh-CN", "ar"] as const;

i18n.use(initReactI18next).init({
  fallbackLng: "en",
  supportedLngs: supportedLanguages,
  interpolation: { escapeValue: false },
  backend: { loadPath: "/locales/{{lng}}/translation.json" },
});

export default i18n;
