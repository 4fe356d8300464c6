// proxy_probe: a smaller probe for the load bench, as an agency's tool would send after
// cropping a still to the face region: scales IMAGE so its longer side is MAX_SIDE pixels and
// writes it as JPEG (quality 90).
//
//   proxy_probe IMAGE MAX_SIDE OUT.jpg
#include <algorithm>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: proxy_probe IMAGE MAX_SIDE OUT.jpg\n";
    return 2;
  }
  cv::Mat image = cv::imread(argv[1], cv::IMREAD_COLOR);
  if (image.empty()) {
    std::cerr << "proxy_probe: cannot read " << argv[1] << " as an image\n";
    return 1;
  }
  const double scale = std::stod(argv[2]) / std::max(image.cols, image.rows);
  cv::Mat out;
  cv::resize(image, out, cv::Size(), scale, scale, cv::INTER_AREA);
  if (!cv::imwrite(argv[3], out, {cv::IMWRITE_JPEG_QUALITY, 90})) {
    std::cerr << "proxy_probe: cannot write " << argv[3] << "\n";
    return 1;
  }
  std::cout << argv[3] << ": " << out.cols << "x" << out.rows << "\n";
  return 0;
}
