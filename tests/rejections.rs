//! rejections
