//! Rich cards: one standalone card, or a carousel of 2–10 cards.

use serde::Serialize;

use super::file::{ContentInfo, UploadedRbmFile};
use super::suggestion::Suggestion;

/// A rich card message: one card or a carousel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RichCard {
    /// One card.
    #[serde(rename = "standaloneCard")]
    Standalone(StandaloneCard),
    /// Cards the user scrolls sideways through.
    #[serde(rename = "carouselCard")]
    Carousel(CarouselCard),
}

/// One card, laid out vertically (media on top) or horizontally (media beside).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StandaloneCard {
    /// Vertical or horizontal layout.
    pub card_orientation: CardOrientation,
    /// Which side the media goes on in a horizontal card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_image_alignment: Option<ThumbnailAlignment>,
    /// What the card shows.
    pub card_content: CardContent,
}

impl StandaloneCard {
    /// A vertical card: media on top, text below.
    pub fn vertical(content: CardContent) -> Self {
        Self {
            card_orientation: CardOrientation::Vertical,
            thumbnail_image_alignment: None,
            card_content: content,
        }
    }

    /// A horizontal card with its media on the given side.
    pub fn horizontal(content: CardContent, media_side: ThumbnailAlignment) -> Self {
        Self {
            card_orientation: CardOrientation::Horizontal,
            thumbnail_image_alignment: Some(media_side),
            card_content: content,
        }
    }
}

/// Cards shown side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CarouselCard {
    /// The width of every card.
    pub card_width: CardWidth,
    /// The cards, 2 to 10.
    pub card_contents: Vec<CardContent>,
}

/// The layout of a standalone card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardOrientation {
    /// Media beside the text.
    Horizontal,
    /// Media above the text.
    Vertical,
}

/// Which side the media of a horizontal card is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThumbnailAlignment {
    /// Media on the left.
    Left,
    /// Media on the right.
    Right,
}

/// The width of the cards of a carousel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardWidth {
    /// 120 DP.
    Small,
    /// 232 DP.
    Medium,
}

/// What a card shows: at least one of media, title and description, and at
/// most 4 suggestions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardContent {
    /// The title (at most 200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The description (at most 2000 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An image, GIF or video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// Chips on the card (at most 4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

impl CardContent {
    /// An empty card; give it a title, a description or media.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the media.
    pub fn media(mut self, media: Media) -> Self {
        self.media = Some(media);
        self
    }

    /// Adds a chip to the card.
    pub fn suggest(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    /// Adds a suggested reply to the card.
    pub fn suggest_reply(self, text: impl Into<String>, postback_data: impl Into<String>) -> Self {
        self.suggest(Suggestion::reply(text, postback_data))
    }
}

/// The media of a card and how tall it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    /// How tall it is shown (vertical cards).
    pub height: MediaHeight,
    /// Where the file comes from.
    #[serde(flatten)]
    pub source: MediaSource,
}

impl Media {
    /// Media fetched from a public URL.
    pub fn url(height: MediaHeight, file_url: impl Into<String>) -> Self {
        Self::content(height, ContentInfo::new(file_url))
    }

    /// Media described by a [`ContentInfo`] (thumbnail, forced refresh).
    pub fn content(height: MediaHeight, content_info: ContentInfo) -> Self {
        Self {
            height,
            source: MediaSource::ContentInfo(content_info),
        }
    }

    /// Media uploaded to the RBM platform beforehand: a file name
    /// (`"files/…"`) or an [`UploadedRbmFile`] with its thumbnail. Sent as
    /// `uploadedRbmFile`, not the deprecated `fileName`.
    pub fn uploaded(height: MediaHeight, file: impl Into<UploadedRbmFile>) -> Self {
        Self {
            height,
            source: MediaSource::UploadedRbmFile(file.into()),
        }
    }
}

/// Where the file of a [`Media`] comes from. The API also still accepts a
/// deprecated bare `fileName`; it is not offered here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MediaSource {
    /// A public URL (`contentInfo`).
    #[serde(rename = "contentInfo")]
    ContentInfo(ContentInfo),
    /// A file uploaded to the RBM platform (`uploadedRbmFile`).
    #[serde(rename = "uploadedRbmFile")]
    UploadedRbmFile(UploadedRbmFile),
}

/// How tall the media of a vertical card is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaHeight {
    /// 112 DP.
    Short,
    /// 168 DP.
    Medium,
    /// 264 DP (the API does not offer it in a carousel of small cards).
    Tall,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn uploaded_media_is_an_uploaded_rbm_file() {
        let by_name = serde_json::to_value(Media::uploaded(MediaHeight::Short, "files/a"))
            .expect("serialisable");
        assert_eq!(
            by_name,
            json!({"height": "SHORT", "uploadedRbmFile": {"fileName": "files/a"}})
        );
        let with_thumbnail = Media::uploaded(
            MediaHeight::Tall,
            UploadedRbmFile::new("files/a").thumbnail_name("files/t"),
        );
        assert_eq!(
            serde_json::to_value(with_thumbnail).expect("serialisable"),
            json!({"height": "TALL",
                   "uploadedRbmFile": {"fileName": "files/a", "thumbnailName": "files/t"}})
        );
    }
}
